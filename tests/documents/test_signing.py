"""Licence signatures survive key rotation: their own keys, each signature names its key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from documents.models import Licence
from documents.services import licence_signature_ok
from tests.hall.test_settings import TEST_RUN_VARIABLES

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


def production_env() -> dict[str, str]:
    """What a production start sees: DEBUG off and every required value set."""
    return {
        **{key: value for key, value in os.environ.items() if key not in TEST_RUN_VARIABLES},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "zwfw.example.gov.cn",
        "LICENCE_SIGNING_KEYS": f"k1:{secrets.token_urlsafe(48)}",
        "SITE_URL": "https://zwfw.example.gov.cn",
    }


pytestmark = pytest.mark.django_db

OLD = "2025a:" + "o" * 40
NEW = "2026a:" + "n" * 40


@pytest.fixture
def issue(make_case, licence_matter, django_capture_on_commit_callbacks):
    def issue() -> Licence:
        with django_capture_on_commit_callbacks(execute=True):
            case = make_case("approved", for_matter=licence_matter)
        return Licence.objects.get(case=case)

    return issue


def verify(client, licence: Licence):
    return client.get(f"/api/v1/licences/verify/{licence.verification_code}/")


def test_rotating_secret_key_leaves_issued_licences_valid(issue, client):
    with override_settings(SECRET_KEY="before-" + secrets.token_urlsafe(40)):
        licence = issue()
    with override_settings(SECRET_KEY="after-" + secrets.token_urlsafe(40)):
        answer = verify(client, licence)
        assert answer.status_code == 200, answer.json()
        assert answer.json()["status"] == "valid"
        page = client.get(f"/verify/{licence.verification_code}/")
        assert page.status_code == 200 and "真实有效" in page.content.decode()


@override_settings(LICENCE_SIGNING_KEYS=[OLD])
def test_each_signature_names_its_key_and_new_licences_use_the_newest(issue, client):
    old = issue()
    assert old.signature_key_id == "2025a"
    with override_settings(LICENCE_SIGNING_KEYS=[NEW, OLD]):
        new = issue()
        assert new.signature_key_id == "2026a"
        old.refresh_from_db()
        assert licence_signature_ok(old) and licence_signature_ok(new)
        assert verify(client, old).json()["status"] == "valid"
        assert verify(client, new).json()["status"] == "valid"
    # The newer key is not known here: its licence cannot be vouched for.
    answer = verify(client, new)
    assert answer.status_code == 409 and answer.json()["code"] == "licence_tampered"


@override_settings(LICENCE_SIGNING_KEYS=[OLD])
def test_a_retired_or_unknown_key_id_is_tampered(issue, client):
    licence = issue()
    with override_settings(LICENCE_SIGNING_KEYS=[NEW]):
        answer = verify(client, licence)
        assert answer.status_code == 409 and answer.json()["code"] == "licence_tampered"
    Licence.objects.filter(pk=licence.pk).update(signature_key_id="2024z")
    assert verify(client, licence).status_code == 409
    # Naming another listed key does not help a forger: the HMAC is checked under that key.
    with override_settings(LICENCE_SIGNING_KEYS=[NEW, OLD]):
        Licence.objects.filter(pk=licence.pk).update(signature_key_id="2026a")
        assert verify(client, licence).status_code == 409


@override_settings(LICENCE_SIGNING_KEYS=[OLD])
def test_same_secret_under_another_key_id_is_not_the_same_key(issue, client):
    licence = issue()
    with override_settings(LICENCE_SIGNING_KEYS=["renamed:" + "o" * 40]):
        assert verify(client, licence).status_code == 409


def errors(**settings) -> set[str]:
    with override_settings(**settings):
        return {message.id for message in run_checks() if message.id.startswith("documents.")}


GOOD = {"SITE_URL": "https://zwfw.example.gov.cn", "LICENCE_SIGNING_KEYS": [NEW, OLD]}


def test_production_needs_a_real_signing_key_and_a_site_url():
    assert errors(DEBUG=False, **GOOD) == set()
    assert errors(DEBUG=False, **{**GOOD, "LICENCE_SIGNING_KEYS": []}) == {"documents.E001"}
    dev = "dev:dev-only-licence-signing-key-do-not-use-in-production"
    assert errors(DEBUG=False, **{**GOOD, "LICENCE_SIGNING_KEYS": [dev]}) == {"documents.E003"}
    assert errors(DEBUG=False, **{**GOOD, "LICENCE_SIGNING_KEYS": ["k1:short"]}) == {
        "documents.E004"
    }
    assert errors(DEBUG=False, **{**GOOD, "SITE_URL": ""}) == {"documents.E005"}
    assert errors(DEBUG=False, **{**GOOD, "SITE_URL": "zwfw.example.gov.cn"}) == {"documents.E006"}
    for local in ("http://127.0.0.1:8000", "http://localhost:8000"):
        assert errors(DEBUG=False, **{**GOOD, "SITE_URL": local}) == {"documents.E007"}
    # Development runs on the defaults.
    assert errors(DEBUG=True, SITE_URL="", LICENCE_SIGNING_KEYS=[dev]) == set()


@pytest.mark.parametrize(
    "entries", [["no-colon"], [":secret"], ["kid:"], ["bad kid:secret"], [NEW, NEW]]
)
def test_a_malformed_key_list_is_refused_even_in_development(entries):
    assert errors(DEBUG=True, LICENCE_SIGNING_KEYS=entries) == {"documents.E002"}


def test_development_settings_carry_a_dev_key_and_a_local_site_url():
    env = {key: value for key, value in os.environ.items() if key not in TEST_RUN_VARIABLES}
    code = "from django.conf import settings as s; print(s.LICENCE_SIGNING_KEYS[0], s.SITE_URL)"
    result = run_manage("shell", "--no-imports", "-c", code, env={**env, "DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    key, site_url = result.stdout.strip().splitlines()[-1].split()
    assert key.startswith("dev:")
    assert site_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize("missing", ["LICENCE_SIGNING_KEYS", "SITE_URL"])
def test_production_refuses_to_start_without_them(missing):
    env = production_env()
    del env[missing]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr
    complete = run_manage("check", env=production_env())
    assert "documents." not in complete.stdout + complete.stderr


def test_migration_moves_licences_signed_the_old_way_to_the_newest_key(issue, settings):
    """Licences signed before keys had ids (key derived from SECRET_KEY) are signed again
    with the newest key if, and only if, their old signature still holds."""
    import hashlib
    import hmac

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from documents.services import canonical_content

    genuine, altered = issue(), issue()
    contents = {lic.pk: canonical_content(lic) for lic in (genuine, altered)}
    old_key = hmac.new(
        settings.SECRET_KEY.encode(), b"onetrip.licence-signing", hashlib.sha256
    ).digest()
    with connection.cursor() as cursor:  # the test's transaction holds deferred FK checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([("documents", "0001_initial")])
    with connection.cursor() as cursor:
        for pk, content in contents.items():
            signature = hmac.new(old_key, content, hashlib.sha256).hexdigest()
            if pk == altered.pk:
                signature = "0" * 64
            cursor.execute(
                "UPDATE documents_licence SET signature = %s WHERE id = %s", [signature, pk]
            )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    genuine.refresh_from_db()
    altered.refresh_from_db()
    newest = settings.LICENCE_SIGNING_KEYS[0].split(":", 1)[0]  # "tests" in the test run
    assert genuine.signature_key_id == newest and licence_signature_ok(genuine)
    assert altered.signature_key_id == "" and not licence_signature_ok(altered)


@override_settings(LICENCE_SIGNING_KEYS=[OLD])
def test_licences_move_to_the_newest_key_so_the_old_one_can_retire(issue, client):
    from io import StringIO

    from django.core.management import call_command

    genuine, altered = issue(), issue()
    Licence.objects.filter(pk=altered.pk).update(holder_name="改过的名字")
    with override_settings(LICENCE_SIGNING_KEYS=[NEW, OLD]):
        out = StringIO()
        call_command("licences_resign", stdout=out)
        assert "已重新签署 1 张" in out.getvalue() and "1 张证照签名不符" in out.getvalue()
        call_command("licences_resign", stdout=StringIO())  # twice: nothing more happens
    genuine.refresh_from_db()
    altered.refresh_from_db()
    assert genuine.signature_key_id == "2026a" and altered.signature_key_id == "2025a"
    with override_settings(LICENCE_SIGNING_KEYS=[NEW]):  # the old key retired
        assert verify(client, genuine).json()["status"] == "valid"
        assert verify(client, altered).status_code == 409  # never laundered


@override_settings(LICENCE_SIGNING_KEYS=[OLD])
def test_the_wallet_says_when_a_licence_no_longer_verifies(issue, client, citizen_api, citizen):
    licence = issue()
    assert citizen_api.get("/api/v1/licences/").json()["results"][0]["status"] == "valid"
    with override_settings(LICENCE_SIGNING_KEYS=[NEW]):
        assert citizen_api.get("/api/v1/licences/").json()["results"][0]["status"] == "invalid"
        client.force_login(citizen)
        page = client.get("/my/licences/").content.decode()
        assert licence.number in page and "核验未通过" in page
