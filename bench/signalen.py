"""Side by side with Signalen: create, one status transition and the staff list, each
through the real HTTP stack of both systems on this machine, in interleaved rounds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_signalen_bench \\
        .venv/bin/python bench/signalen.py --signalen-dir /work/signalen \\
        --signalen-database signalen_bench [--rows 10000] [--rounds 6] [--batch 40]
        [--clients 8] [--page-size 20] [--signalen-lean] [--signalen-conn-max-age N]
        [--server-profile DIR] [--trace] [--json out.json] [--keep-logs]

Signalen (the Amsterdam/signals backend, a Django/DRF app) is not part of this project: it
is a checkout of its own with its own virtualenv (``--signalen-dir``: ``app/`` and
``.venv/``), driven here over HTTP like any client. bench/README.md ("Side by side with
Signalen") says how to set it up. Nothing of its code is in this repository.

Both stacks run under the same gunicorn configuration (``--workers`` × ``--threads`` gthread,
access log on, DEBUG off) with a Celery worker each (prefork ×2) and a private redis-server
(OneTrip db 0, Signalen db 1). Both load the bench's statement-count middleware
(``bench/http_middleware.py``: ``X-Statements``, ``X-CPU-Ms``) first in their chain; Signalen
through a settings module the bench writes (``from signals.settings import *`` plus that
middleware), so the same probe measures both.

Each round measures, for each operation, a batch of ``--batch`` requests on one system then on
the other (the order alternates between rounds), over ``--clients`` keep-alive client threads,
and waits between batches until both workers are idle, so that neither system's background
work runs during the other's batch:

- ``create``: OneTrip ``POST /api/v1/cases/`` (a citizen files a case for a promised matter,
  with the guide's answers and an Idempotency-Key) vs Signalen ``POST
  /signals/v1/private/signals/`` (a staff member records a report with a location, a
  sub-category, a reporter and a source);
- ``transition``: OneTrip ``POST /api/v1/cases/{number}/accept/`` by the clerk (submitted →
  accepted) vs Signalen ``PATCH /signals/v1/private/signals/{id}`` with ``status`` ``m`` → ``b``
  (gemeld → in behandeling), the staff member taking the report in. The cases to accept are
  the round's created cases, given their materials and submitted between the batches (not
  measured); the signals are the round's created signals;
- ``list``: OneTrip ``GET /api/v1/cases/?page_size=N`` as the clerk vs Signalen ``GET
  /signals/v1/private/signals/?page_size=N&ordering=-created_at`` as the staff member, both
  over at least ``--rows`` rows (generated before the rounds when missing).

It prints per operation and system p50/p95 (client-side wall time), the serving thread's CPU
p50 (``X-CPU-Ms``) and statements, the Signalen/OneTrip ratios (above 1: OneTrip is faster)
overall and the range of the per-round p50 ratios, with ``uptime`` before and after.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import urlparse

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.benchdb import bench_database_url, ensure_database, is_bench_name  # noqa: E402
from bench.cpu import session_cpu  # noqa: E402
from bench.http_lifecycle import (  # noqa: E402
    PDF_BYTES,
    BenchError,
    merge_profiles,
    prepare_data,
    print_trace,
    uptime,
)
from bench.http_stack import Process, Stack, free_port  # noqa: E402
from bench.timing import percentile, wait_until  # noqa: E402

SYSTEMS = ("onetrip", "signalen")
# How long OneTrip's stack keeps a connection: hall/settings.py's default unless set.
ONETRIP_CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "600"))
OPERATIONS = ("create", "transition", "list")
SIGNALEN_USER = "bench.staff@example.com"  # Signalen's TEST_LOGIN, a superuser
SIGNALEN_SOURCE = "Telefoon – ASC"  # a staff source (private API), as in its own tests
SIGNALEN_CATEGORIES = ("afval/sub_categories/grofvuil", "afval/sub_categories/huisafval")
# The overlay Signalen runs with: its own settings unchanged, plus the bench's probe first.
# OpenTelemetry's Django instrumentation puts its middleware into the settings module it is
# imported from; imported from here it lands elsewhere, so it is put back where it was.
SIGNALEN_SETTINGS = """\
import importlib.util
import os
import sys

from signals.settings import *  # noqa: F401,F403
from signals.settings import DATABASES, MIDDLEWARE

_spec = importlib.util.spec_from_file_location(
    "onetrip_bench_probe", os.environ["BENCH_MIDDLEWARE_FILE"]
)
_probe = importlib.util.module_from_spec(_spec)
sys.modules["onetrip_bench_probe"] = _probe
_spec.loader.exec_module(_probe)

_OTEL = "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"
_instrumented = os.environ.get("OTEL_PYTHON_DJANGO_INSTRUMENT") != "False"
MIDDLEWARE = [
    "onetrip_bench_probe.StatementCountMiddleware",
    *([_OTEL] if _instrumented and _OTEL not in MIDDLEWARE else []),
    *MIDDLEWARE,
]
if os.environ.get("BENCH_CONN_MAX_AGE"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])
"""
# Run in Signalen's own process (manage.py shell): its staff user and a staff source.
SIGNALEN_SETUP = f"""
from django.contrib.auth.models import User
from signals.apps.signals.models import Source
User.objects.update_or_create(
    username={SIGNALEN_USER!r},
    defaults=dict(email={SIGNALEN_USER!r}, is_staff=True, is_superuser=True, is_active=True),
)
Source.objects.get_or_create(
    name={SIGNALEN_SOURCE!r}, defaults=dict(is_active=True, is_public=False)
)
"""
# The one-to-one records a signal points at, each with ``_signal_id`` back to it.
SIGNALEN_CHILDREN = (
    ("signals_location", "location_id"),
    ("signals_status", "status_id"),
    ("signals_categoryassignment", "category_assignment_id"),
    ("signals_reporter", "reporter_id"),
    ("signals_priority", "priority_id"),
    ("signals_type", "type_assignment_id"),
)


# ---------------------------------------------------------------------------------------------
# The processes


def queued(redis_port: int, db: int) -> int:
    """Messages waiting in a Celery broker's Redis database (every ``celery*`` list)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_port, db=db)
    return sum(
        client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list"
    )


def wait_idle(workers: list[tuple[Process, int, int]], *, timeout: float = 120) -> float:
    """Wait until every broker is empty and every worker has stopped using the CPU; the
    seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if any(queued(port, db) for _worker, port, db in workers):
            time.sleep(0.2)
            continue
        # Each worker runs in a session of its own (bench/http_stack.py): its pool with it.
        sessions = {str(n): worker.process.pid for n, (worker, _port, _db) in enumerate(workers)}
        before = session_cpu(sessions)
        time.sleep(0.4)
        after = session_cpu(sessions)
        if all(after[n] - before[n] < 0.02 for n in sessions):
            return time.monotonic() - started
    print(f"  (workers still busy after {timeout:.0f} s: measuring anyway)", flush=True)
    return timeout


class SignalenStack:
    """Signalen's gunicorn (``signals.wsgi``) and Celery worker (``celery -A signals``), from
    its own checkout and virtualenv, on the OneTrip stack's redis-server (db 1)."""

    def __init__(self, args, stack: Stack) -> None:
        self.dir = args.signalen_dir.resolve()
        self.app = self.dir / "app"
        self.python = self.dir / ".venv" / "bin" / "python"
        if not (self.app / "signals" / "wsgi.py").exists() or not self.python.exists():
            sys.exit(f"{self.dir}: no Signalen checkout (app/signals) with its .venv")
        self.database = args.signalen_database
        if not is_bench_name(self.database):
            sys.exit(f"Refusing Signalen database {self.database!r}: its name must end in bench")
        self.stack = stack
        self.workers, self.threads = args.workers, args.threads
        self.web_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.redis_db = 1
        overlay = stack.dir / "signalen_overlay"
        overlay.mkdir()
        (overlay / "signalen_bench_settings.py").write_text(SIGNALEN_SETTINGS)
        self.env = {
            "DJANGO_SETTINGS_MODULE": "signalen_bench_settings",
            "PYTHONPATH": str(overlay),
            "BENCH_MIDDLEWARE_FILE": str(BASE_DIR / "bench" / "http_middleware.py"),
            "SECRET_KEY": f"bench-only-signalen-{uuid.uuid4().hex}",
            "DATABASE_NAME": self.database,
            "DATABASE_USER": "postgres",
            "DATABASE_PASSWORD": "",
            "DATABASE_HOST_OVERRIDE": "127.0.0.1",
            "DATABASE_PORT_OVERRIDE": "5432",
            # Its documented test/development switch: every request is TEST_LOGIN's.
            "SIGNALS_AUTH_ALWAYS_OK": "true",
            "TEST_LOGIN": SIGNALEN_USER,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DJANGO_DEBUG": "false",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{stack.redis_port}/{self.redis_db}",
            # No Elasticsearch: a closed port, so its indexing tasks fail at once in the worker.
            "ELASTICSEARCH_HOST": "127.0.0.1:9",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
            "PYTHONWARNINGS": "ignore",
        }
        if args.signalen_lean:
            # What a deployment could turn off without touching its code: OpenTelemetry's
            # tracing (no exporter is configured, the spans are made and dropped), and a
            # connection per request: kept as long as OneTrip keeps its own (``CONN_MAX_AGE``).
            self.env["OTEL_SDK_DISABLED"] = "true"
            self.env["OTEL_PYTHON_DJANGO_INSTRUMENT"] = "False"
            if args.signalen_conn_max_age is None:
                args.signalen_conn_max_age = ONETRIP_CONN_MAX_AGE
        if args.signalen_conn_max_age is not None:
            self.env["BENCH_CONN_MAX_AGE"] = str(args.signalen_conn_max_age)
        self.trace_file = stack.dir / "signalen-trace.jsonl"
        self.env["BENCH_TRACE_FILE"] = str(self.trace_file)
        # No --server-profile here: on Python 3.12 cProfile is one per process (sys.monitoring),
        # so gunicorn's concurrent threads cannot each profile their request.
        self.processes: list[Process] = []

    def manage(self, *argv: str) -> str:
        done = subprocess.run(
            [str(self.python), "manage.py", *argv],
            cwd=self.app,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise BenchError(f"Signalen manage.py {argv[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self) -> None:
        """Its database (PostGIS), migrations, staff user and source."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{self.database}"')
                print(f"created database {self.database}")
        connection.close()
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        self.manage("migrate", "--no-input", "-v0")
        self.manage("shell", "-c", SIGNALEN_SETUP)

    def connect(self):
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", user="postgres", dbname=self.database)

    def start(self) -> None:
        web = Process(
            [
                *(str(self.python), "-m", "gunicorn", "signals.wsgi"),
                *("--bind", f"127.0.0.1:{self.web_port}"),
                *("--workers", str(self.workers), "--threads", str(self.threads)),
                *("--worker-class", "gthread", "--access-logfile", "-"),
                "--no-control-socket",
            ],
            env=self.env,
            log=self.stack.dir / "signalen-gunicorn.log",
            cwd=self.app,
        )
        web.name = "Signalen gunicorn"
        worker = Process(
            [
                *(str(self.python), "-m", "celery", "-A", "signals", "worker", "--loglevel=INFO"),
                *("--pool=prefork", "--concurrency=2", "-n", f"signalen-{uuid.uuid4().hex[:6]}@%h"),
            ],
            env=self.env,
            log=self.stack.dir / "signalen-worker.log",
            cwd=self.app,
        )
        worker.name = "Signalen celery worker"
        self.worker = worker
        # Stopped with the OneTrip stack (its processes are stopped in reverse order).
        self.stack.processes += [web, worker]

        def web_ready() -> bool:
            web.alive()
            try:
                answer = requests.get(f"{self.base_url}/signals/v1/private/signals/", timeout=2)
                return answer.status_code == 200
            except requests.RequestException:
                return False

        wait_until(web_ready, timeout=120, what="Signalen's gunicorn")
        wait_until(
            lambda: worker.alive() and "ready." in worker.output(),
            timeout=120,
            what="Signalen's Celery worker",
        )


def signalen_body(n: int) -> dict:
    return {
        "text": f"Grofvuil naast de container, melding {n}",
        "location": {
            "geometrie": {
                "type": "Point",
                "coordinates": [4.88 + (n % 97) / 2000, 52.36 + (n % 89) / 2000],
            }
        },
        "category": {
            "category_url": "/signals/v1/public/terms/categories/"
            + SIGNALEN_CATEGORIES[n % len(SIGNALEN_CATEGORIES)]
        },
        "reporter": {"email": f"melder{n}@example.com"},
        "incident_date_start": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M"),
        "source": SIGNALEN_SOURCE,
    }


def fill_signalen(signalen: SignalenStack, rows: int) -> None:
    """At least ``rows`` signals: one created through the API, copied in SQL with each of its
    one-to-one records (location, status, category assignment, reporter, priority, type),
    spread over the last months."""
    with signalen.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM signals_signal")
        count, template = cursor.fetchone()
    if count >= rows:
        return
    if template is None:
        answer = requests.post(
            f"{signalen.base_url}/signals/v1/private/signals/",
            json=signalen_body(0),
            headers={"Authorization": "Bearer bench"},
            timeout=60,
        )
        if answer.status_code != 201:
            raise BenchError(f"Signalen create answered {answer.status_code}: {answer.text[:2000]}")
        template, count = answer.json()["id"], count + 1
    missing = rows - count
    started = time.perf_counter()
    with signalen.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy AS SELECT g,"
            " nextval(pg_get_serial_sequence('signals_signal', 'id')) AS sid,"
            " now() - g * interval '13 minutes' AS at FROM generate_series(1, %s) g",
            [missing],
        )
        cursor.execute(
            "INSERT INTO signals_signal (id, uuid, source, text, text_extra, incident_date_start,"
            " created_at, updated_at, extra_properties)"
            " SELECT c.sid, gen_random_uuid(), t.source, t.text || ' #' || c.g, t.text_extra,"
            " c.at, c.at, c.at, t.extra_properties"
            " FROM bench_copy c, signals_signal t WHERE t.id = %s",
            [template],
        )
        for table, key in SIGNALEN_CHILDREN:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " AND column_name NOT IN ('id', '_signal_id') ORDER BY ordinal_position",
                [table],
            )
            names = [name for (name,) in cursor.fetchall()]
            columns = ", ".join(f'"{name}"' for name in names)
            copied = ", ".join(f'x."{name}"' for name in names)
            cursor.execute(
                f"INSERT INTO {table} ({columns}, _signal_id) SELECT {copied}, c.sid"
                f" FROM bench_copy c, {table} x"
                f" WHERE x.id = (SELECT {key} FROM signals_signal WHERE id = %s)",
                [template],
            )
            cursor.execute(
                f"UPDATE signals_signal s SET {key} = x.id FROM {table} x, bench_copy c"
                " WHERE x._signal_id = c.sid AND s.id = c.sid"
            )
        cursor.execute("DROP TABLE bench_copy")
    with signalen.connect() as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"Signalen: {missing} signals copied in {time.perf_counter() - started:.1f} s")


def fill_onetrip(rows: int, seed: int) -> None:
    """At least ``rows`` cases the clerk lists (bench/lifecycle.py's generator)."""
    from django.db import connection

    from bench.lifecycle import Actors, bulk_load
    from cases.models import Case

    count = Case.objects.count()
    if count < rows:
        started = time.perf_counter()
        bulk_load(Actors(), rows - count, random.Random(seed))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"OneTrip: {rows - count} cases generated in {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------------------------------------
# The clients


class Caller:
    """One keep-alive session; a call's wall time, statements and serving-thread CPU."""

    traced: set[str] | None = None  # with --trace: the steps whose first request was traced
    lock = threading.Lock()

    def __init__(self, base_url: str, profile: bool) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.profile = profile

    def __call__(self, step: str | None, method: str, path: str, auth: str, **kwargs):
        headers = {"Authorization": auth, **kwargs.pop("headers", {})}
        if step and self.profile:
            headers["X-Bench-Step"] = step
        if step and Caller.traced is not None:
            with Caller.lock:
                if step not in Caller.traced:
                    Caller.traced.add(step)
                    headers["X-Bench-Trace"] = step
        started = time.perf_counter()
        try:
            answer = self.session.request(
                method, self.base_url + path, headers=headers, timeout=120, **kwargs
            )
        except requests.RequestException as error:
            raise BenchError(f"{method} {path}: {error!r}") from error
        _ = answer.content
        ms = (time.perf_counter() - started) * 1000
        if not 200 <= answer.status_code < 300:
            raise BenchError(
                f"{method} {path} answered {answer.status_code}:\n{answer.text[:3000]}"
            )
        sample = (
            ms,
            int(answer.headers.get("X-Statements", -1)),
            float(answer.headers.get("X-CPU-Ms", "nan")),
        )
        return answer, sample


def in_threads(jobs: list, clients: int, base_url: str, profile: bool) -> list:
    """Run ``jobs`` (callables taking a Caller) over ``clients`` threads; their results."""
    results: list = [None] * len(jobs)
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        caller = Caller(base_url, profile)
        while not errors:
            with lock:
                n = next(cursor, None)
            if n is None:
                return
            try:
                results[n] = jobs[n](caller)
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


class Systems:
    """The jobs of each operation on each system, and what a round carries between them."""

    def __init__(self, data: dict, signalen: SignalenStack, stack: Stack, args) -> None:
        self.data, self.args = data, args
        self.urls = {"onetrip": stack.base_url, "signalen": signalen.base_url}
        self.rng = random.Random(args.seed)
        self.counter = 0
        self.created: dict[str, list] = {"onetrip": [], "signalen": []}

    def token(self, key: str) -> str:
        return f"Token {key}"

    def jobs(self, system: str, operation: str, count: int, record: bool) -> list:
        step = f"{system}_{operation}" if record else None
        if operation == "create" and system == "onetrip":
            self.created[system] = []
            return [self.onetrip_create(step) for _ in range(count)]
        if operation == "create":
            self.created[system] = []
            return [self.signalen_create(step) for _ in range(count)]
        if operation == "transition" and system == "onetrip":
            return [self.onetrip_accept(step, case) for case in self.created[system]]
        if operation == "transition":
            return [self.signalen_transition(step, pk) for pk in self.created[system]]
        size = self.args.page_size
        if system == "onetrip":
            auth = self.token(self.data["clerk"])
            return [
                lambda c: c(step, "GET", f"/api/v1/cases/?page_size={size}", auth)[1]
                for _ in range(count)
            ]
        path = f"/signals/v1/private/signals/?page_size={size}&ordering=-created_at"
        return [lambda c: c(step, "GET", path, "Bearer bench")[1] for _ in range(count)]

    def onetrip_create(self, step):
        matter = self.rng.choice(self.data["matters"])
        citizen = self.rng.choice(self.data["citizens"])

        def job(call):
            answer, sample = call(
                step,
                "POST",
                "/api/v1/cases/",
                self.token(citizen),
                json={"matter": matter["code"], "answers": matter.get("answers", {})},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            case = answer.json()
            self.created["onetrip"].append((case, citizen))
            return sample

        return job

    def onetrip_submit(self, created):
        """Not measured: the materials and the submission that make a case acceptable."""
        case, citizen = created

        def job(call):
            base = f"/api/v1/cases/{case['number']}"
            for material in case["materials"]:
                if material["required"]:
                    call(
                        None,
                        "POST",
                        f"{base}/materials/",
                        self.token(citizen),
                        data={"requirement": material["requirement"]},
                        files={"file": ("scan.pdf", PDF_BYTES, "application/pdf")},
                        headers={"Prefer": "return=minimal"},
                    )
            call(
                None,
                "POST",
                f"{base}/submit/",
                self.token(citizen),
                json={},
                headers={"Prefer": "return=minimal"},
            )

        return job

    def onetrip_accept(self, step, created):
        case, _citizen = created

        def job(call):
            answer, sample = call(
                step,
                "POST",
                f"/api/v1/cases/{case['number']}/accept/",
                self.token(self.data["clerk"]),
                json={},
            )
            if answer.json()["status"] == "submitted":
                raise BenchError(f"case {case['number']} not accepted")
            return sample

        return job

    def signalen_create(self, step):
        self.counter += 1
        body = signalen_body(self.counter)

        def job(call):
            answer, sample = call(
                step, "POST", "/signals/v1/private/signals/", "Bearer bench", json=body
            )
            self.created["signalen"].append(answer.json()["id"])
            return sample

        return job

    def signalen_transition(self, step, pk):
        def job(call):
            answer, sample = call(
                step,
                "PATCH",
                f"/signals/v1/private/signals/{pk}",
                "Bearer bench",
                json={"status": {"state": "b", "text": "In behandeling genomen."}},
            )
            if answer.json()["status"]["state"] != "b":
                raise BenchError(f"signal {pk} not in behandeling")
            return sample

        return job


def run_rounds(systems: Systems, workers, args, rounds: int, *, record: bool) -> dict:
    """``rounds`` rounds of every operation on both systems; samples[op][system][round]."""
    samples = {op: {s: [] for s in SYSTEMS} for op in OPERATIONS}
    for n in range(rounds):
        order = SYSTEMS if n % 2 == 0 else tuple(reversed(SYSTEMS))
        for operation in OPERATIONS:
            if operation == "transition":
                # The cases just created get their materials and are submitted (not measured).
                prep = [systems.onetrip_submit(c) for c in systems.created["onetrip"]]
                in_threads(prep, args.clients, systems.urls["onetrip"], False)
            for system in order:
                wait_idle(workers)
                jobs = systems.jobs(system, operation, args.batch, record)
                measured = in_threads(jobs, args.clients, systems.urls[system], args.profile)
                samples[operation][system].append(measured)
        if record:
            line = "  ".join(
                f"{op} {statistics.median(m[0] for m in samples[op]['signalen'][-1]) / statistics.median(m[0] for m in samples[op]['onetrip'][-1]):.2f}×"  # noqa: E501
                for op in OPERATIONS
            )
            print(f"  round {n + 1}/{rounds}: Signalen/OneTrip p50  {line}", flush=True)
    return samples


def summarise(samples: dict) -> dict:
    result = {}
    for operation in OPERATIONS:
        figures = {}
        for system in SYSTEMS:
            flat = [s for batch in samples[operation][system] for s in batch]
            ms = [s[0] for s in flat]
            figures[system] = {
                "calls": len(flat),
                "p50_ms": round(percentile(ms, 50), 1),
                "p95_ms": round(percentile(ms, 95), 1),
                "cpu_p50_ms": round(percentile([s[2] for s in flat], 50), 1),
                "statements_median": statistics.median(s[1] for s in flat),
            }
        one, sig = figures["onetrip"], figures["signalen"]
        per_round = [
            statistics.median(s[0] for s in b) / statistics.median(s[0] for s in a)
            for a, b in zip(
                samples[operation]["onetrip"], samples[operation]["signalen"], strict=True
            )
        ]
        figures["signalen_over_onetrip"] = {
            "p50": round(sig["p50_ms"] / one["p50_ms"], 2),
            "p95": round(sig["p95_ms"] / one["p95_ms"], 2),
            "cpu_p50": round(sig["cpu_p50_ms"] / one["cpu_p50_ms"], 2),
            "p50_per_round_min": round(min(per_round), 2),
            "p50_per_round_max": round(max(per_round), 2),
        }
        result[operation] = figures
    return result


def print_summary(result: dict, args, loads: tuple[str, str]) -> None:
    print(
        f"\n{args.rounds} rounds × {args.batch} requests per operation and system, "
        f"{args.clients} client threads; gunicorn {args.workers}×{args.threads} gthread each; "
        f"list page size {args.page_size}; Signalen "
        + ("lean (no tracing, " if args.signalen_lean else "as shipped (")
        + f"CONN_MAX_AGE {args.signalen_conn_max_age or 0})"
    )
    print(
        f"\n  {'operation':<12}{'system':<10}{'calls':>6}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'CPU p50':>9}{'stmts':>7}"
    )
    for operation, figures in result.items():
        for system in SYSTEMS:
            f = figures[system]
            print(
                f"  {operation:<12}{system:<10}{f['calls']:>6}{f['p50_ms']:>9.1f}"
                f"{f['p95_ms']:>9.1f}{f['cpu_p50_ms']:>9.1f}{f['statements_median']:>7g}"
            )
        r = figures["signalen_over_onetrip"]
        print(
            f"  {'':<12}Signalen/OneTrip: p50 {r['p50']}×, p95 {r['p95']}×, CPU p50 "
            f"{r['cpu_p50']}×; per-round p50 {r['p50_per_round_min']}–{r['p50_per_round_max']}×"
        )
    print(f"\n  load before: {loads[0]}\n  load after:  {loads[1]}")


def signalen_version(directory: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(directory), "log", "-1", "--format=%H %cs %s"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signalen-dir", type=Path, default=Path("/work/signalen"))
    parser.add_argument("--signalen-database", default="signalen_bench")
    parser.add_argument("--rows", type=int, default=10_000, help="rows each staff list covers")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warmup-rounds", type=int, default=1)
    parser.add_argument("--batch", type=int, default=40, help="requests per batch")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (both)")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument(
        "--signalen-conn-max-age",
        type=int,
        help="Signalen's CONN_MAX_AGE (as shipped: unset, 0: a connection per request)",
    )
    parser.add_argument(
        "--signalen-lean",
        action="store_true",
        help="Signalen without OpenTelemetry tracing, with OneTrip's CONN_MAX_AGE (settings)",
    )
    parser.add_argument("--server-profile", type=Path, metavar="DIR")
    parser.add_argument(
        "--trace", action="store_true", help="list the statements of one request of each kind"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.profile = bool(args.server_profile)

    url = bench_database_url("signalen.py")
    ensure_database(url)
    stack = Stack(
        database_url=url, workers=args.workers, threads=args.threads, keep_logs=args.keep_logs
    )
    try:
        stack.start_redis()
        if args.profile:
            stack.profile_dir.mkdir()
            stack.env["BENCH_PROFILE_DIR"] = str(stack.profile_dir)
        signalen = SignalenStack(args, stack)
        os.environ.update({k: v for k, v in stack.env.items() if k != "BENCH_PROFILE_DIR"})
        import django

        warnings.filterwarnings("ignore", message="No directory at")
        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        assert connection.settings_dict["NAME"].endswith("bench")
        assert not settings.DEBUG
        call_command("migrate", verbosity=0)
        data = prepare_data(args.seed)
        fill_onetrip(args.rows, args.seed)
        connection.close()
        signalen.prepare()
        stack.start_servers()
        signalen.start()
        fill_signalen(signalen, args.rows)
        print(
            f"OneTrip {stack.base_url}, Signalen {signalen.base_url} ({urlparse(url).path[1:]}"
            f", {signalen.database})"
        )
        workers = [
            (next(p for p in stack.processes if p.name == "celery worker"), stack.redis_port, 0),
            (signalen.worker, stack.redis_port, signalen.redis_db),
        ]
        systems = Systems(data, signalen, stack, args)
        if args.warmup_rounds:
            run_rounds(systems, workers, args, args.warmup_rounds, record=False)
            print(f"warm-up: {args.warmup_rounds} round(s)")
        load_before = uptime()
        if args.trace:
            Caller.traced = set()
        samples = run_rounds(systems, workers, args, args.rounds, record=True)
        load_after = uptime()
        result = summarise(samples)
        print_summary(result, args, (load_before, load_after))
        if args.trace:
            print("\nOneTrip:", end="")
            print_trace(stack.trace_file)
            print("\nSignalen:", end="")
            print_trace(signalen.trace_file)
        if args.server_profile:
            merge_profiles(stack.profile_dir, args.server_profile)
        if args.json:
            result["config"] = {
                **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "signalen": signalen_version(args.signalen_dir),
                "load_before": load_before,
                "load_after": load_after,
            }
            args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            print(f"  results written to {args.json}")
    except Exception as error:
        stack.keep_logs = True
        print(f"\nABORTED: {error}", file=sys.stderr)
        print(stack.log_tails(), file=sys.stderr)
        if isinstance(error, BenchError):
            raise SystemExit(1) from None
        raise
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
