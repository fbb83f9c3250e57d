"""HTTP lifecycle benchmark: full case lifecycles per second through the real stack
(gunicorn, a Celery worker rendering the papers, PostgreSQL, Redis), with every paper
downloaded, against the same stack's bare one-row INSERT measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_http_bench \
        .venv/bin/python bench/http_lifecycle.py [--clients 8] [--lifecycles 200]
        [--warmup 16] [--workers 2] [--threads 4] [--pool prefork] [--concurrency 2]
        [--insert-rate 5] [--profile] [--json out.json] [--keep-logs]

A lifecycle is what a client of the public API (docs/API.md) does, each call with the
caller's own token: the citizen creates a case (``POST /api/v1/cases/``), uploads one small
PDF per required material (multipart), submits; the clerk accepts; an approver of every
reviewing department approves (``/api/v1/reviews/{id}/approve/``; the last approval concludes
the case: approved); the clerk issues the result and the applicant collects it at the window
(closed). Then the citizen asks for the case (``GET /api/v1/cases/{number}/``) and downloads
every paper it expects (receipt, decision, the e-licence certificate when the matter issues
one, delivery receipt) from the ``url`` the case lists, polling until each is there; the time
from that ask to each complete download is the paper's latency. The lifecycle ends when its
last paper is downloaded.

``--clients`` threads run lifecycles at once (keep-alive sessions). A further thread posts to
``/bench/insert/`` (``bench/http_urls.py``: one INSERT through the same gunicorn, middleware
and DRF token authentication) ``--insert-rate`` times a second throughout, which is the
baseline the steps are compared with. ``--profile`` runs the lifecycles one after the other
with one client and an insert after each step instead (clean per-step figures).

Every response carries the statements it ran (``X-Statements``, from the bench-only
middleware in ``bench/http_middleware.py``). Any answer other than 2xx aborts the run with its
body, except a paper that is not ready yet (not listed, or answered 202/404/409/423/425/503),
which is asked again every ``--poll`` seconds and counted.

It needs PostgreSQL and a database of its own whose name ends in ``bench`` (created if it does
not exist and migrated); it refuses anything else. It starts its own redis-server, gunicorn
and worker on free local ports (``bench/http_stack.py``), and stops them at the end. See
bench/README.md.
"""

import argparse
import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
# The project first: the bench folder holds a notices.py that must not hide the app.
sys.path.insert(0, str(BASE_DIR))

from bench.benchdb import AutovacuumStandIn, bench_database_url, ensure_database  # noqa: E402
from bench.cpu import CpuMeter  # noqa: E402
from bench.http_stack import Stack  # noqa: E402
from bench.timing import percentile, ratio_interval  # noqa: E402

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TOKEN_CITIZENS = 400  # citizens with an API token, drawn at random by the lifecycles
PING_USER = "lc-citizen-04999"  # the insert thread's caller (never drawn for a lifecycle)
# Answers that mean "this paper is not there yet": ask again.
NOT_READY = {202, 404, 409, 423, 425, 503}
# What a lifecycle through pickup leaves, by hall/reactions.py (docs/ARCHITECTURE.md): the
# receipt on accept, the decision on approval (and the licence certificate when the matter
# issues an e-licence), the delivery receipt on collection.
PAPERS = ("receipt", "decision", "delivery_receipt")


class BenchError(Exception):
    pass


def uptime() -> str:
    try:
        # Django sets TZ to the hall's time zone in this process; the load is read in UTC.
        env = {**os.environ, "TZ": "UTC"}
        return subprocess.run(["uptime"], capture_output=True, text=True, env=env).stdout.strip()
    except OSError:
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


# ---------------------------------------------------------------------------------------------
# Data: the catalog and actors of bench/lifecycle.py, e-licences, API tokens


def prepare_data(seed: int) -> dict:
    """Catalog and actors (reused), a licence type on every other promised matter, fresh
    API tokens, the ``bench_ping`` table. What the clients need, as plain values."""
    from django.db import connection, transaction
    from knox.models import AuthToken

    from bench.lifecycle import PREFIX, Actors, build_catalog
    from matters.checklist import plain_answers
    from matters.models import LicenceType

    build_catalog(random.Random(seed))
    actors = Actors()
    with transaction.atomic():
        for n, matter in enumerate(actors.promised):
            if n % 2 == 0 and matter.result_licence_type_id is None:
                licence_type, _created = LicenceType.objects.get_or_create(
                    code=f"{PREFIX}-lic-{matter.code}",
                    defaults={"name": f"{matter.result_name}（基准证照）", "valid_years": 5},
                )
                matter.result_licence_type = licence_type
                matter.save(update_fields=["result_licence_type"])
        AuthToken.objects.filter(user__username__startswith=f"{PREFIX}-").delete()

        def token(user) -> str:
            return AuthToken.objects.create(user)[1]

        citizens = [c for c in actors.citizens if c.username != PING_USER][:TOKEN_CITIZENS]
        ping_user = next(c for c in actors.citizens if c.username == PING_USER)
        data = {
            "clerk": token(actors.clerk),
            "approvers": {
                user.department.code: token(user)
                for user in actors.approvers.values()
                if user.department
            },
            "citizens": [token(c) for c in citizens],
            "ping": token(ping_user),
            "matters": [
                {
                    "code": m.code,
                    "papers": [*PAPERS, *(["licence"] if m.result_licence_type_id else [])],
                    # 情形引导: a matter that asks questions is filed online with answers.
                    "answers": plain_answers(m),
                }
                for m in actors.promised
            ],
        }
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_ping ("
            " id bigserial PRIMARY KEY, user_id bigint NOT NULL,"
            " at timestamptz NOT NULL DEFAULT now())"
        )
    return data


# ---------------------------------------------------------------------------------------------
# The clients


class Recorder:
    """Samples of one client thread: (step, ms, statements), papers, lifecycles."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float, int, float]] = []  # step, ms, statements, SQL ms
        self.papers: list[tuple[str, float, bool, int]] = []  # kind, ms, first ask ok, asks
        self.lifecycles: list[float] = []
        self.cpu: list[tuple[str, float]] = []  # step, CPU ms of the serving gunicorn thread
        self.gc: list[tuple[str, float]] = []  # step, of that CPU the ms in Python's collector


class Client:
    """One keep-alive HTTP session; every call with the given caller's token."""

    def __init__(self, base_url: str, recorder: Recorder) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.recorder = recorder

    def call(
        self, step: str | None, method: str, path: str, token: str, *, ok=(200, 201), **kwargs
    ):
        headers = {"Authorization": f"Token {token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else self.base_url + path
        started = time.perf_counter()
        try:
            response = self.session.request(method, url, headers=headers, timeout=120, **kwargs)
        except requests.RequestException as error:
            raise BenchError(f"{method} {path} ({step}): {error!r}") from error
        _ = response.content
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in ok:
            raise BenchError(
                f"{method} {path} ({step}) answered {response.status_code}:\n{response.text[:3000]}"
            )
        statements = int(response.headers.get("X-Statements", -1))
        sql_ms = float(response.headers.get("X-Statements-Ms", -1))
        if step is not None:
            self.recorder.steps.append((step, elapsed, statements, sql_ms))
            self.recorder.cpu.append((step, float(response.headers.get("X-CPU-Ms", "nan"))))
            self.recorder.gc.append((step, float(response.headers.get("X-GC-Ms", "nan"))))
        return response


class Lifecycle:
    """The whole lifecycle of one case through the API, as its clients would run it."""

    def __init__(self, client: Client, data: dict, rng: random.Random, args) -> None:
        self.client, self.data, self.rng, self.args = client, data, rng, args
        self.trace = False  # have the server log this lifecycle's statements (--trace)
        self.server_profile = False  # have the server profile every step (--server-profile)

    def step(
        self, step: str, method: str, path: str, token: str, *, minimal: bool = False, **kwargs
    ) -> dict:
        if minimal and self.args.minimal:  # the client needs no more than number and status
            kwargs["headers"] = {**kwargs.get("headers", {}), "Prefer": "return=minimal"}
        if self.trace:
            kwargs["headers"] = {**kwargs.get("headers", {}), "X-Bench-Trace": step}
        if self.server_profile:
            kwargs["headers"] = {**kwargs.get("headers", {}), "X-Bench-Step": step}
        answer = self.client.call(step, method, path, token, **kwargs).json()
        if self.args.profile:  # the baseline, interleaved between the steps
            self.client.call("bare_insert", "POST", "/bench/insert/", self.data["ping"])
        return answer

    def run(self) -> None:
        data, rng = self.data, self.rng
        started = time.perf_counter()
        matter = rng.choice(data["matters"])
        citizen = rng.choice(data["citizens"])
        clerk = data["clerk"]
        case = self.step(
            "create",
            "POST",
            "/api/v1/cases/",
            citizen,
            json={"matter": matter["code"], "answers": matter.get("answers", {})},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        number = case["number"]
        base = f"/api/v1/cases/{number}"
        for material in case["materials"]:
            if material["required"]:
                self.step(
                    "upload",
                    "POST",
                    f"{base}/materials/",
                    citizen,
                    data={"requirement": material["requirement"]},
                    files={"file": ("scan.pdf", PDF_BYTES, "application/pdf")},
                    minimal=True,
                )
        self.step("submit", "POST", f"{base}/submit/", citizen, json={}, minimal=True)
        case = self.step("accept", "POST", f"{base}/accept/", clerk, json={})
        reviews = case["reviews"]
        for n, review in enumerate(reviews, 1):
            self.step(
                "approve_last" if n == len(reviews) else "approve",
                "POST",
                f"/api/v1/reviews/{review['id']}/approve/",
                data["approvers"][review["department"]["code"]],
                json={"opinion": "同意。"},
            )
        self.step("issue", "POST", f"{base}/issue/", clerk, json={}, minimal=True)
        case = self.step("collect", "POST", f"{base}/collect/", clerk, json={}, minimal=True)
        if case["status"] != "closed":
            raise BenchError(f"case {number} ended {case['status']!r}, not closed")
        if rng.random() < self.args.paper_share:
            self.papers(base, citizen, matter["papers"])
        self.client.recorder.lifecycles.append(time.perf_counter() - started)

    def papers(self, base: str, citizen: str, expected: list[str]) -> None:
        """Ask for the case, download each paper it should have; ask again until all are."""
        started = time.perf_counter()
        pending = {kind: 0 for kind in expected}  # kind → asks so far
        asked: dict[str, float] = {}  # kind → when the client first asked for it
        while pending:
            round_started = time.perf_counter()
            case = self.client.call("case_detail", "GET", f"{base}/", citizen).json()
            listed = {paper["kind"]: paper["url"] for paper in case["documents"]}
            for kind in listed.keys() - set(pending) - set(expected):
                pending[kind] = 0  # a paper the bench did not expect: downloaded too
                expected.append(kind)
            for kind in list(pending):
                pending[kind] += 1
                if kind not in listed:
                    asked.setdefault(kind, round_started)  # wanted, not even listed yet
                    continue
                asked.setdefault(kind, time.perf_counter())
                headers = {"X-Bench-Step": f"paper_{kind}"} if self.server_profile else {}
                answer = self.client.call(
                    "paper", "GET", listed[kind], citizen, ok=(200, *NOT_READY), headers=headers
                )
                if answer.status_code != 200:
                    continue
                if not answer.content.startswith(b"%PDF"):
                    raise BenchError(f"{listed[kind]} answered 200 without a PDF")
                ms = (time.perf_counter() - asked[kind]) * 1000
                self.client.recorder.papers.append((kind, ms, pending[kind] == 1, pending[kind]))
                del pending[kind]
            if pending:
                if time.perf_counter() - started > self.args.paper_timeout:
                    raise BenchError(
                        f"papers {sorted(pending)} of {base} not downloadable after "
                        f"{self.args.paper_timeout:.0f} s (listed: {sorted(listed)})"
                    )
                time.sleep(self.args.poll)


def run_phase(
    stack: Stack,
    data: dict,
    args,
    count: int,
    seed: int,
    *,
    clients: int,
    trace: str = "",
    profile: bool = False,
) -> dict:
    """``count`` lifecycles over ``clients`` threads, with the insert thread alongside."""
    recorders = [Recorder() for _ in range(clients)]
    ping = Recorder()
    remaining = [count]
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    # --rate: lifecycles are offered at that rate (open loop) instead of back to back; a
    # client thread takes the next one when it is due, or late when every thread was busy.
    offered = threading.Semaphore(0) if args.rate else None
    starts: list[float] = []  # when each lifecycle started, and was due (open loop)
    due_at: list[float] = []

    def offer() -> None:
        interval = 1 / args.rate
        due = time.perf_counter()
        for _ in range(count):
            due_at.append(due)
            offered.release()
            due += interval
            if stop.wait(max(0.0, due - time.perf_counter())):
                return

    def next_lifecycle() -> bool:
        with lock:
            if remaining[0] <= 0 or stop.is_set():
                return False
            remaining[0] -= 1
        if offered is not None:
            while not offered.acquire(timeout=0.5):
                if stop.is_set():
                    return False
        with lock:
            starts.append(time.perf_counter())
        return True

    def lifecycles(n: int) -> None:
        try:
            lifecycle = Lifecycle(
                Client(stack.base_url, recorders[n]), data, random.Random(seed * 100 + n), args
            )
            lifecycle.trace = bool(trace) and n == 0
            lifecycle.server_profile = profile
            while next_lifecycle():
                lifecycle.run()
                lifecycle.trace = lifecycle.trace and trace == "all"
        except BaseException as error:
            errors.append(error)
            stop.set()

    def inserts() -> None:
        client = Client(stack.base_url, ping)
        pace = 1 / args.insert_rate
        due = time.monotonic()
        try:
            while not stop.is_set():
                client.call("bare_insert", "POST", "/bench/insert/", data["ping"])
                due += pace
                stop.wait(max(0.0, due - time.monotonic()))
        except BaseException as error:
            errors.append(error)
            stop.set()

    threads = [threading.Thread(target=lifecycles, args=(n,), daemon=True) for n in range(clients)]
    pinger = None
    if not args.profile and args.insert_rate > 0:
        pinger = threading.Thread(target=inserts, daemon=True)
        pinger.start()
    meter = CpuMeter(
        {process.name: process.process.pid for process in stack.processes},
        stack.database_url,
        stack.database_url.rsplit("/", 1)[-1].split("?")[0],
    )
    load_before = uptime()
    meter.start()
    started = time.perf_counter()
    if offered is not None:
        threading.Thread(target=offer, daemon=True).start()
    for thread in threads:
        thread.start()
    shown = started
    while any(thread.is_alive() for thread in threads):
        stack.check_alive()
        for thread in threads:
            thread.join(timeout=0.5)
        if time.perf_counter() - shown > 30:
            shown = time.perf_counter()
            done = sum(len(r.lifecycles) for r in recorders)
            print(
                f"  … {done}/{count} lifecycles in {shown - started:.0f} s "
                f"({done / (shown - started):.2f}/s)",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    stop.set()
    if pinger is not None:
        pinger.join(timeout=30)
    cpu = meter.stop()
    if errors:
        raise errors[0]
    merged = Recorder()
    for recorder in [*recorders, ping]:
        merged.steps += recorder.steps
        merged.papers += recorder.papers
        merged.lifecycles += recorder.lifecycles
        merged.cpu += recorder.cpu
        merged.gc += recorder.gc
    return {
        "elapsed": elapsed,
        "recorder": merged,
        "load_before": load_before,
        "load_after": uptime(),
        "cpu_s": cpu,
        "starts": sorted(starts),
        "due": due_at,
    }


# ---------------------------------------------------------------------------------------------
# Report

STEP_ORDER = [
    "create",
    "upload",
    "submit",
    "accept",
    "approve",
    "approve_last",
    "issue",
    "collect",
    "case_detail",
    "paper",
    "bare_insert",
]


def summarise(phase: dict, args) -> dict:
    recorder: Recorder = phase["recorder"]
    count = len(recorder.lifecycles)
    steps = {}
    for step in STEP_ORDER:
        samples = [(ms, n, sql) for name, ms, n, sql in recorder.steps if name == step]
        if not samples:
            continue
        times = [ms for ms, _n, _sql in samples]
        statements = [n for _ms, n, _sql in samples]
        steps[step] = {
            "calls": len(samples),
            "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(max(times), 1),
            "sql_p50_ms": round(percentile([sql for _ms, _n, sql in samples], 50), 1),
            "statements_median": statistics.median(statements),
            "statements_max": max(statements),
            "statements_per_lifecycle": round(sum(statements) / count, 1) if count else None,
            "cpu_p50_ms": round(percentile([c for name, c in recorder.cpu if name == step], 50), 1),
            # The share of its calls in which Python's collector ran (its tail).
            "gc_calls_percent": round(
                100 * sum(1 for name, c in recorder.gc if name == step and c > 0) / len(samples), 1
            ),
        }
    # What the gunicorn threads spent on the CPU per lifecycle (every step but the baseline):
    # the server's cost, which the machine's load does not inflate as it does wall times.
    server_cpu = sum(c for name, c in recorder.cpu if name != "bare_insert") / max(count, 1)
    # Of which in Python's garbage collector (hall/heap.py).
    server_gc = sum(c for name, c in recorder.gc if name != "bare_insert") / max(count, 1)
    per_lifecycle = sum(n for name, _ms, n, _sql in recorder.steps if name != "bare_insert")
    commands = sum(n for name, _ms, n, _sql in recorder.steps if name in STEP_ORDER[:8])
    papers = [ms for _kind, ms, _first, _asks in recorder.papers]
    by_kind = {}
    for kind in sorted({kind for kind, *_rest in recorder.papers}):
        mine = [p for p in recorder.papers if p[0] == kind]
        times = [ms for _k, ms, _f, _a in mine]
        by_kind[kind] = {
            "count": len(mine),
            "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "not_ready_first_ask": sum(1 for p in mine if not p[2]),
        }
    accept, insert = steps.get("accept"), steps.get("bare_insert")
    # The ratio's 90 % bootstrap interval: how far this run's sampling alone could move it.
    interval = None
    if accept and insert:
        times = {name: [] for name in ("accept", "bare_insert")}
        for name, ms, _n, _sql in recorder.steps:
            if name in times:
                times[name].append(ms)
        interval = [round(bound, 1) for bound in ratio_interval(*times.values())]
    # CPU of each part of the stack per lifecycle (the insert thread's share included), and
    # the lifecycles a second the machine's cores could carry at that cost.
    cpu_parts = {
        name: round(seconds * 1000 / max(count, 1), 1) for name, seconds in phase["cpu_s"].items()
    }
    cpu_total = sum(cpu_parts.values())
    cores = len(os.sched_getaffinity(0))
    open_loop = None
    if args.rate and len(phase["starts"]) > 1:
        starts, due = phase["starts"], phase["due"]
        lags = [start - when for start, when in zip(starts, due, strict=False)]
        open_loop = {
            "offered_per_s": args.rate,
            "started_per_s": round((len(starts) - 1) / (starts[-1] - starts[0]), 2),
            "start_lag_p95_s": round(percentile(lags, 95), 2),
            "start_lag_max_s": round(max(lags), 2),
        }
    return {
        "open_loop": open_loop,
        "lifecycles": count,
        "elapsed_s": round(phase["elapsed"], 1),
        "lifecycles_per_s": round(count / phase["elapsed"], 2),
        "lifecycle_p50_s": round(percentile(recorder.lifecycles, 50), 2),
        "lifecycle_p95_s": round(percentile(recorder.lifecycles, 95), 2),
        "statements_per_lifecycle": round(per_lifecycle / count, 1),
        "statements_per_lifecycle_create_to_collect": round(commands / count, 1),
        "server_cpu_ms_per_lifecycle": round(server_cpu, 1),
        "server_gc_ms_per_lifecycle": round(server_gc, 1),
        "cpu_ms_per_lifecycle_by_part": cpu_parts,
        "cpu_ms_per_lifecycle": round(cpu_total, 1),
        "cpu_ceiling_lifecycles_per_s": round(cores * 1000 / cpu_total, 2) if cpu_total else None,
        "steps": steps,
        "papers": {
            "count": len(papers),
            "p50_ms": round(percentile(papers, 50), 1) if papers else None,
            "p95_ms": round(percentile(papers, 95), 1) if papers else None,
            "max_ms": round(max(papers), 1) if papers else None,
            "not_ready_first_ask": sum(1 for p in recorder.papers if not p[2]),
            "asks": sum(p[3] for p in recorder.papers),
            "by_kind": by_kind,
        },
        "accept_p95_over_insert_p95": (
            round(accept["p95_ms"] / insert["p95_ms"], 1) if accept and insert else None
        ),
        "accept_p95_over_insert_p95_interval": interval,
        "load_before": phase["load_before"],
        "load_after": phase["load_after"],
    }


def print_summary(result: dict, args) -> None:
    mode = (
        "profile: one client, lifecycles one after the other, an insert after each step"
        if args.profile
        else f"{args.clients} clients, inserts at {args.insert_rate:g}/s alongside"
        + (f", lifecycles offered at {args.rate:g}/s" if args.rate else "")
    )
    print(
        f"\n{result['lifecycles']} lifecycles in {result['elapsed_s']} s ({mode}); gunicorn "
        + (f"{args.workers}×{args.threads} gthread" if args.threads else f"{args.workers} sync")
        + f", worker {args.pool}"
        + (f" ×{args.concurrency}" if args.pool == "prefork" else "")
    )
    if result["open_loop"]:
        o = result["open_loop"]
        print(
            f"  open loop: offered {o['offered_per_s']:g}/s, started {o['started_per_s']}/s, "
            f"start lag behind schedule p95 {o['start_lag_p95_s']} s, max {o['start_lag_max_s']} s"
        )
    print(
        f"  lifecycles/s: {result['lifecycles_per_s']}   one lifecycle p50 "
        f"{result['lifecycle_p50_s']} s, p95 {result['lifecycle_p95_s']} s\n  statements per "
        f"lifecycle: {result['statements_per_lifecycle']} (create → collect: "
        f"{result['statements_per_lifecycle_create_to_collect']}; the rest: asking for papers)"
    )
    print(
        f"\n  {'step':<14}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL p50':>9}"
        f"{'stmts p50':>11}{'max':>6}{'per lc':>8}{'CPU p50':>9}{'GC %':>7}"
    )
    for step, s in result["steps"].items():
        print(
            f"  {step:<14}{s['calls']:>7}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['max_ms']:>9.1f}"
            f"{s['sql_p50_ms']:>9.1f}{s['statements_median']:>11g}{s['statements_max']:>6}"
            f"{s['statements_per_lifecycle']:>8g}{s['cpu_p50_ms']:>9.1f}"
            f"{s['gc_calls_percent']:>7.1f}"
        )
    print(
        f"  gunicorn thread CPU per lifecycle (every step but the baseline): "
        f"{result['server_cpu_ms_per_lifecycle']} ms, of which in Python's garbage collector "
        f"{result['server_gc_ms_per_lifecycle']} ms"
    )
    by_part = result["cpu_ms_per_lifecycle_by_part"]
    parts = ", ".join(f"{name} {ms:g}" for name, ms in by_part.items())
    print(
        f"  CPU per lifecycle, every process of the stack: {result['cpu_ms_per_lifecycle']} ms "
        f"({parts}); {len(os.sched_getaffinity(0))} cores carry at most "
        f"{result['cpu_ceiling_lifecycles_per_s']} lifecycles/s at that cost"
    )
    papers = result["papers"]
    if papers["count"]:
        print(
            f"\n  papers: {papers['count']} downloaded, ask → downloaded p50 {papers['p50_ms']} ms,"
            f" p95 {papers['p95_ms']} ms, max {papers['max_ms']} ms; not ready on the first ask: "
            f"{papers['not_ready_first_ask']} ({papers['asks']} asks in all)"
        )
        for kind, k in papers["by_kind"].items():
            print(
                f"    {kind:<18}{k['count']:>5}  p50 {k['p50_ms']:>8.1f} ms  p95 "
                f"{k['p95_ms']:>8.1f} ms  not ready first: {k['not_ready_first_ask']}"
            )
    ratio = result["accept_p95_over_insert_p95"]
    if ratio is not None:
        interval = result["accept_p95_over_insert_p95_interval"]
        within = f"; this run's 90 % interval {interval[0]}–{interval[1]}×" if interval else ""
        print(f"\n  accept p95 / bare INSERT p95: {ratio}× (goal ≤ 3×){within}")
    print(f"  load before: {result['load_before']}")
    print(f"  load after:  {result['load_after']}")


def statement_kind(sql: str) -> str:
    """``SELECT cases_case``, ``INSERT notices_notice``, ``SAVEPOINT``…: what a statement
    does to which table, for the trace."""
    verb = sql.split(None, 1)[0].upper()
    table = None
    if verb == "EXECUTE":  # a prepared read (accounts/compiled.py): by its name
        return sql.split("(", 1)[0]
    if verb in ("SELECT", "DELETE"):
        table = re.search(r'\bFROM\s+"?([\w.]+)"?', sql)
    elif verb == "INSERT":
        table = re.search(r'\bINTO\s+"?([\w.]+)"?', sql)
    elif verb == "UPDATE":
        table = re.search(r'^UPDATE\s+"?([\w.]+)"?', sql, re.IGNORECASE)
    else:
        return " ".join(w for w in sql.split()[:3] if w.isupper() and not w.startswith('"'))
    kind = f"{verb} {table.group(1) if table else '?'}"
    return kind + (" FOR UPDATE" if "FOR UPDATE" in sql else "")


def print_trace(path: Path) -> None:
    """The traced steps' statements, grouped by kind and table: per call of the step, how
    many of each kind and their time (p50 and p95 over the step's traced calls)."""
    if not path.exists():
        return
    steps: dict[str, list[dict[str, list[float]]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        call = json.loads(line)
        kinds: dict[str, list[float]] = {}
        for sql, ms in call["statements"]:
            kinds.setdefault(statement_kind(sql), []).append(ms)
        steps.setdefault(call["step"], []).append(kinds)
    print("\n  statements (--trace), by kind and table: per call, ms p50 / p95 over the calls")
    for step, calls in steps.items():
        totals = [sum(sum(times) for times in kinds.values()) for kinds in calls]
        counts = [sum(len(times) for times in kinds.values()) for kinds in calls]
        print(
            f"  {step}: {len(calls)} calls, {statistics.median(counts):g} statements, "
            f"{percentile(totals, 50):.1f} / {percentile(totals, 95):.1f} ms"
        )
        # In the order of the first call's statements.
        order = list(dict.fromkeys(kind for kinds in calls for kind in kinds))
        for kind in order:
            times = [sum(kinds.get(kind, [])) for kinds in calls]
            each = max(len(kinds.get(kind, [])) for kinds in calls)
            print(
                f"    {each:>3} × {kind:<50} "
                f"{percentile(times, 50):>6.1f} / {percentile(times, 95):>6.1f} ms"
            )


def merge_profiles(source: Path, target: Path) -> None:
    """One ``<step>.prof`` per step in ``target`` from the server's per-request profiles, and
    each step's ten most expensive functions by own time."""
    import pstats

    target.mkdir(parents=True, exist_ok=True)
    by_step: dict[str, list[Path]] = {}
    for path in source.glob("*.prof"):
        by_step.setdefault(path.name.split(".")[0], []).append(path)
    print(f"\n  server profiles (cProfile, gunicorn threads) in {target}:")
    for step, paths in sorted(by_step.items()):
        stats = pstats.Stats(*map(str, paths))
        stats.dump_stats(target / f"{step}.prof")
        each = stats.total_tt * 1000 / len(paths)
        print(f"    {step}: {len(paths)} requests, {each:.1f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--lifecycles", type=int, default=200, help="measured lifecycles")
    parser.add_argument("--warmup", type=int, default=16, help="lifecycles before measuring")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per gunicorn worker (0: sync workers)"
    )
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork")
    parser.add_argument("--concurrency", type=int, default=2, help="prefork worker processes")
    parser.add_argument("--insert-rate", type=float, default=5, help="bare INSERTs per second")
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="offer lifecycles at this rate per second (open loop; give enough --clients) "
        "instead of back to back",
    )
    parser.add_argument(
        "--paper-share",
        type=float,
        default=1.0,
        help="share of lifecycles whose applicant downloads every paper (1: all)",
    )
    parser.add_argument(
        "--minimal",
        action="store_true",
        help="Prefer: return=minimal on the steps whose answer the client does not read",
    )
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between paper asks")
    parser.add_argument("--paper-timeout", type=float, default=120, help="seconds, then abort")
    parser.add_argument(
        "--profile", action="store_true", help="one client, sequential, insert after each step"
    )
    parser.add_argument(
        "--trace",
        nargs="?",
        const="one",
        choices=["one", "all"],
        help="the statements of one measured lifecycle (all: of every lifecycle of the first "
        "client, each kind's p50 and p95)",
    )
    parser.add_argument(
        "--server-profile",
        type=Path,
        metavar="DIR",
        help="cProfile every measured request in gunicorn; one merged .prof per step in DIR",
    )
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the stack's logs")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    clients = 1 if args.profile else args.clients

    url = bench_database_url("http_lifecycle.py")
    ensure_database(url)
    stack = Stack(
        database_url=url,
        workers=args.workers,
        threads=args.threads,
        pool=args.pool,
        concurrency=args.concurrency,
        keep_logs=args.keep_logs,
    )
    stand_in = None
    try:
        stack.start_redis()
        os.environ.update(stack.env)
        import django

        warnings.filterwarnings("ignore", message="No directory at")
        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        assert connection.vendor == "postgresql"
        assert connection.settings_dict["NAME"].endswith("bench")
        assert not settings.DEBUG and not settings.CELERY_TASK_ALWAYS_EAGER
        call_command("migrate", verbosity=0)
        data = prepare_data(args.seed)
        connection.close()
        stand_in = AutovacuumStandIn(url).start()
        if args.server_profile:
            stack.profile_dir.mkdir()
            stack.env["BENCH_PROFILE_DIR"] = str(stack.profile_dir)
        stack.start_servers()
        print(f"stack up: {stack.base_url}, Redis {stack.redis_url}, media {stack.media_root}")
        if args.warmup:
            warm = run_phase(stack, data, args, args.warmup, args.seed + 1, clients=clients)
            print(
                f"warm-up: {len(warm['recorder'].lifecycles)} lifecycles in {warm['elapsed']:.1f} s"
            )
        phase = run_phase(
            stack,
            data,
            args,
            args.lifecycles,
            args.seed,
            clients=clients,
            trace=args.trace or "",
            profile=bool(args.server_profile),
        )
        result = summarise(phase, args)
        print_summary(result, args)
        if args.trace:
            print_trace(stack.trace_file)
        if args.server_profile:
            merge_profiles(stack.profile_dir, args.server_profile)
        if args.json:
            result["config"] = {
                **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
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
        if stand_in is not None:
            stand_in.stop()
        stack.stop()


if __name__ == "__main__":
    main()
