"""Settings: production values pass Django's deployment checks; defaults run bare."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# What the test run sets for itself (tests/settings.py) is not what production reads.
TEST_RUN_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "TRUSTED_PROXY_COUNT",
    "LICENCE_SIGNING_KEYS",
    "SITE_URL",
}


def production_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in TEST_RUN_VARIABLES}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="onetrip.example.gov.cn",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/onetrip",
        REDIS_URL="redis://127.0.0.1:6379/0",
        LICENCE_SIGNING_KEYS=f"k1:{secrets.token_urlsafe(48)}",
        SITE_URL="https://onetrip.example.gov.cn",
    )
    env.update(extra)
    return env


def test_deploy_check_passes_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_garbage_collector_threshold_that_would_switch_it_off_is_refused():
    result = run_manage("check", env=production_env(GC_YOUNG_THRESHOLD="0"))
    assert result.returncode != 0
    assert "GC_YOUNG_THRESHOLD must be 1 or more" in result.stderr


def read_settings(*names: str, env: dict[str, str]) -> dict:
    """The named settings as a fresh process reads them from ``env``."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, "
        "default=lambda o: f'{o.__module__}.{o.__qualname__}'))"
    )
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_unless_asked_for():
    env = production_env()
    del env["DEBUG"]

    assert read_settings("DEBUG", env=env) == {"DEBUG": False}


def test_nothing_set_refuses_to_start_with_the_development_key():
    env = production_env()
    del env["DEBUG"]
    del env["SECRET_KEY"]

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_example_placeholder_key_is_refused_too():
    result = run_manage("check", env=production_env(SECRET_KEY="change-me-to-a-long-random-string"))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("target", ["serve", "migrate", "seed"])
def test_make_run_turns_debug_on(target):
    # The recipe's interpreter replaced by printenv: what the demo's commands would see.
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-o", ".make/venv", target, "PY=printenv DEBUG #"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={key: value for key, value in os.environ.items() if key != "DEBUG"},
    )

    # The last line is the command's; the lines before say what make is doing.
    assert result.stdout.strip().splitlines()[-1] == "true", result.stdout + result.stderr


def test_the_forwarded_protocol_is_believed_only_behind_a_configured_proxy():
    without = read_settings("SECURE_PROXY_SSL_HEADER", env=production_env())
    behind = read_settings("SECURE_PROXY_SSL_HEADER", env=production_env(TRUSTED_PROXY_COUNT="1"))

    assert without == {"SECURE_PROXY_SSL_HEADER": None}
    assert behind == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_postgresql_connections_run_without_jit_unless_asked_for():
    # And with prepared reads planned once (tests/accounts/test_compiled.py).
    default = read_settings("DATABASES", env=production_env())["DATABASES"]["default"]
    asked = read_settings("DATABASES", env=production_env(DATABASE_JIT="on"))["DATABASES"]

    generic = " -c plan_cache_mode=force_generic_plan"
    assert default["OPTIONS"]["options"] == "-c jit=off" + generic
    assert asked["default"]["OPTIONS"]["options"] == "-c jit=on" + generic


def test_connection_options_from_the_database_url_are_kept_beside_ours():
    url = "postgres://postgres@127.0.0.1:5432/onetrip?sslmode=prefer&options="
    given = read_settings(
        "DATABASES", env=production_env(DATABASE_URL=url + "-c%20statement_timeout%3D5000")
    )["DATABASES"]["default"]["OPTIONS"]
    jit_given = read_settings("DATABASES", env=production_env(DATABASE_URL=url + "-c%20jit%3Don"))[
        "DATABASES"
    ]["default"]["OPTIONS"]

    assert given == {
        "sslmode": "prefer",
        "options": "-c statement_timeout=5000 -c jit=off -c plan_cache_mode=force_generic_plan",
        # Writes sent with the next statement (tests/accounts/test_carried.py).
        "connection_factory": "accounts.carried.Connection",
        "cursor_factory": "accounts.carried.Cursor",
    }
    # The URL's own choice wins over the default.
    assert jit_given["options"] == "-c jit=on -c plan_cache_mode=force_generic_plan"


def test_staff_sessions_are_shorter_than_citizens():
    values = read_settings("SESSION_COOKIE_AGE", "STAFF_SESSION_AGE", env=production_env())

    assert values["STAFF_SESSION_AGE"] <= 8 * 3600
    assert values["SESSION_COOKIE_AGE"] >= 7 * 24 * 3600


EMBEDDED_PROBE = """
import json
from celery import shared_task
from django.conf import settings
from django.db import connection

@shared_task
def add(x, y):
    return x + y

result = add.delay(2, 3)
print(json.dumps({
    "vendor": connection.vendor,
    "database": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "result": type(result).__name__,
    "value": result.get(timeout=5),
    "language": settings.LANGUAGE_CODE,
    "time_zone": settings.TIME_ZONE,
    "user_model": settings.AUTH_USER_MODEL,
}))
"""


def test_embedded_defaults():
    # A bare machine: no DATABASE_URL, no REDIS_URL (what `make run` starts from).
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"

    result = run_manage("shell", "--no-imports", "-c", EMBEDDED_PROBE, env=env)

    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["vendor"] == "sqlite" and facts["database"].endswith(".sqlite3")
    assert facts["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert facts["broker"] == "memory://"
    # The task ran in this process at once: Celery is eager, no worker or broker involved.
    assert (facts["result"], facts["value"]) == ("EagerResult", 5)
    assert facts["language"] == "zh-hans"
    assert facts["time_zone"] == "Asia/Shanghai"
    assert facts["user_model"] == "accounts.User"


def test_make_test_runs_with_the_test_settings_not_debug():
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-o", "install", "-o", "services", "-o", "lint",
         "test", "PY=env #"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
    )  # fmt: skip

    # Every command (makemigrations --check, the parallel and the serial pytest pass) sees the
    # test settings and no DEBUG.
    lines = result.stdout.splitlines()
    assert lines.count("DJANGO_SETTINGS_MODULE=tests.settings") == 3, result.stderr
    assert not [line for line in lines if line.startswith("DEBUG=")]


def test_a_checkout_set_up_by_make_runs_manage_py_in_development(tmp_path):
    dev_env = tmp_path / "dev.env"
    dev_env.write_text("DEBUG=true\n")
    env = production_env(DEV_ENV_FILE=str(dev_env))
    del env["DEBUG"]
    del env["SECRET_KEY"]

    # No flags needed where `make install` marked the checkout (the development key is fine)…
    assert read_settings("DEBUG", env=env) == {"DEBUG": True}
    # …but the environment wins, and without the mark production's defaults hold.
    assert read_settings("DEBUG", env={**env, "DEBUG": "false", "SECRET_KEY": "x" * 50}) == {
        "DEBUG": False
    }
    assert run_manage("check", env={**env, "DEV_ENV_FILE": ""}).returncode != 0
