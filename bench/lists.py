"""Lists benchmark: p95 and queries of every case and review list at 1 k and at 1 M cases.

    DB=postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/lists.py --build $DB/onetrip_h3_lists1k_bench --cases 1000
    .venv/bin/python bench/lists.py --build $DB/onetrip_h3_lists_bench --cases 1000000
    .venv/bin/python bench/lists.py --small $DB/onetrip_h3_lists1k_bench \\
        --large $DB/onetrip_h3_lists_bench [--runs 40] [--code DIR] [--explain] [--check]

Each database must be PostgreSQL, of its own, named ``…bench`` (created if missing, migrated,
its case tables emptied and refilled by ``--build``). Cases come from the dashboard bench's SQL
generator (``bench/dashboard.py``: ``build_catalog``, ``build_cases``); this script adds what
the lists need: the latest online cases (one in 250, at least 120) still ``submitted`` (the
desk's inbox, half of them with a material missing), the latest 300 others at least in review
(full pages of pending reviews at 1 k too), a review per case for its lead
department and for every third case a second department (pending while in review, approved
once closed), and 30 cases of one citizen. The measure signs in a citizen, a clerk, an
approver and a supervisor with the test client (in process, no network) and requests every
list in turn, alternating between the small and the large database in each round, so that
both see the same load. It prints p50, p95, the large/small ratio of p95 and the queries of
one request. ``--code DIR`` measures the
project's code in DIR (e.g. an export of an older commit) against the same databases.
"""

import argparse
import datetime
import math
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import ensure_database

BASE_DIR = Path(__file__).resolve().parent.parent

CITIZEN_CASES = 30
CITIZEN_ID = "110101199003070011"
APPROVER_DEPARTMENT = "dsb01"
USERS = {
    "citizen": ("lb_citizen", "citizen"),
    "clerk": ("lb_clerk", "clerk"),
    "approver": ("lb_approver", "approver"),
    "supervisor": ("lb_supervisor", "supervisor"),
}
# (label, role, path)
LISTS = [
    ("cases: citizen", "citizen", "/api/v1/cases/"),
    ("cases: clerk", "clerk", "/api/v1/cases/"),
    ("cases: approver", "approver", "/api/v1/cases/"),
    ("cases: supervisor", "supervisor", "/api/v1/cases/"),
    ("cases: supervisor ?status=in_review", "supervisor", "/api/v1/cases/?status=in_review"),
    ("reviews: approver", "approver", "/api/v1/reviews/"),
    ("reviews: approver ?status=pending", "approver", "/api/v1/reviews/?status=pending"),
    ("desk inbox /desk/", "clerk", "/desk/"),
    ("admin review queue", "approver", "/admin/cases/review/"),
    ("我的办件 /my/cases/", "citizen", "/my/cases/"),
]


def checked_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql") or not parsed.path.endswith("bench"):
        sys.exit(f"{url!r}: a PostgreSQL database whose name ends in 'bench' is needed")
    return url


def setup(code: str | None, url: str) -> None:
    # The project's code first (the bench folder's own modules, e.g. notices.py, after it).
    project = str(Path(code).resolve()) if code else str(BASE_DIR)
    sys.path[:] = [project] + [p for p in sys.path if p not in ("", str(BASE_DIR))]
    # Celery puts the working directory on the path when it loads: make it the project's too.
    os.chdir(project)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from rest_framework.views import APIView

    settings.ALLOWED_HOSTS = ["*"]
    # The bench asks far more often than a person: no rate limit.
    APIView.throttle_classes = []


def use_database(url: str) -> None:
    """Point the default connection at ``url`` (the same schema in every bench database)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    parsed = urlparse(url)
    connection.close()
    connection.settings_dict["NAME"] = parsed.path.lstrip("/")
    ContentType.objects.clear_cache()


def build(cases: int, months: int) -> None:
    from dashboard import build_cases, build_catalog
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    build_catalog()
    build_cases(cases, months, timezone.localdate())
    build_list_extras(cases)


def users() -> dict:
    from django.contrib.auth.models import Group

    from accounts.models import Department, User

    found = {}
    for role, (username, group) in USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        if role == "citizen":
            user.id_number = CITIZEN_ID
        if role == "approver":
            user.department = Department.objects.get(code=APPROVER_DEPARTMENT)
            user.is_staff = True
        user.save()
        found[role] = user
    return found


def build_list_extras(total: int, *, vacuum: bool = True) -> None:
    """What the lists show beyond the dashboard's cases: inbox, reviews, a citizen's cases.
    ``vacuum=False`` only analyses the tables (inside a transaction, as in a test)."""
    from django.db import connection

    citizen = users()["citizen"]
    started = time.perf_counter()
    steps = [
        (
            "submitted (inbox)",
            """UPDATE cases_case SET status = 'submitted', accepted_on = NULL, deadline = NULL,
                   warning_on = NULL, decided_at = NULL, closed_at = NULL, trip_count = 0
               WHERE id IN (SELECT id FROM cases_case WHERE channel = 'online'
                            ORDER BY submitted_at DESC LIMIT %(inbox)s)""",
        ),
        (
            "inbox: no trip yet",
            """DELETE FROM cases_visit
               WHERE case_id IN (SELECT id FROM cases_case WHERE status = 'submitted')""",
        ),
        (
            "in review (a backlog of at least 300)",
            """UPDATE cases_case SET status = 'in_review', decided_at = NULL, closed_at = NULL
               WHERE status = 'closed' AND id IN (
                   SELECT id FROM cases_case WHERE status <> 'submitted'
                   ORDER BY submitted_at DESC LIMIT %(backlog)s)""",
        ),
        (
            "in review: not collected yet",
            """WITH v AS (
                   DELETE FROM cases_visit WHERE kind = 'collect'
                     AND case_id IN (SELECT id FROM cases_case WHERE status = 'in_review')
                   RETURNING case_id)
               UPDATE cases_case c SET trip_count = trip_count - 1 FROM v
               WHERE c.id = v.case_id""",
        ),
        (
            "inbox: a material missing",
            """WITH m AS (
                   UPDATE cases_casematerial SET status = 'missing', received_copies = 0
                   WHERE "order" = 2 AND case_id IN (
                       SELECT id FROM cases_case WHERE status = 'submitted' AND id %% 2 = 0)
                   RETURNING case_id)
               UPDATE cases_case c SET materials_in = materials_in - 1
               FROM m WHERE c.id = m.case_id""",
        ),
        (
            "reviews (lead department)",
            """INSERT INTO cases_review (case_id, department_id, status, opinion, missing, round,
                   decided_at, created_at)
               SELECT id, lead_department_id,
                      CASE WHEN status = 'in_review' THEN 'pending' ELSE 'approved' END, '',
                      '[]', 1, decided_at, coalesce(accepted_on::timestamptz, submitted_at)
               FROM cases_case WHERE status IN ('in_review', 'closed')""",
        ),
        (
            "reviews (second department)",
            """WITH d AS (
                   SELECT id, lead(id, 1, (SELECT min(id) FROM accounts_department
                                           WHERE code LIKE 'dsb%%')) OVER (ORDER BY code) AS next
                   FROM accounts_department WHERE code LIKE 'dsb%%')
               INSERT INTO cases_review (case_id, department_id, status, opinion, missing,
                   round, decided_at, created_at)
               SELECT c.id, d.next,
                      CASE WHEN c.status = 'in_review' THEN 'pending' ELSE 'approved' END, '',
                      '[]', 1, c.decided_at, coalesce(c.accepted_on::timestamptz, c.submitted_at)
               FROM cases_case c JOIN d ON d.id = c.lead_department_id
               WHERE c.status IN ('in_review', 'closed') AND c.id %% 3 = 0""",
        ),
        (
            "the citizen's cases",
            """UPDATE cases_case SET owner_id = %(owner)s, applicant_id_number = %(identity)s
               WHERE id %% %(step)s = 0 AND id <= %(step)s * %(n)s""",
        ),
    ]
    params = {
        "owner": citizen.pk,
        "identity": CITIZEN_ID,
        "step": max(1, total // CITIZEN_CASES),
        "n": CITIZEN_CASES,
        # Five working days of online filings wait at most (deemed acceptance).
        "inbox": max(120, total // 250),
        # Enough in review that a department's pending queue fills pages at 1 k too.
        "backlog": 300,
    }
    with connection.cursor() as cursor:
        for label, statement in steps:
            began = time.perf_counter()
            cursor.execute(statement, params)
            print(f"  {label}: {cursor.rowcount:,} rows in {time.perf_counter() - began:.1f}s")
        # Index-only scans need the visibility map, as autovacuum keeps it on a live database.
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    print(f"list extras in {time.perf_counter() - started:.1f}s")


def counters_match() -> tuple[int, int]:
    """Cases whose counters differ from a recount: (trips, materials in)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT
                 count(*) FILTER (WHERE c.trip_count <> coalesce(v.n, 0)),
                 count(*) FILTER (WHERE c.materials_in <> coalesce(m.n, 0))
               FROM cases_case c
               LEFT JOIN (SELECT case_id, count(*) n FROM cases_visit GROUP BY 1) v
                 ON v.case_id = c.id
               LEFT JOIN (SELECT case_id, count(*) n FROM cases_casematerial
                          WHERE status IN ('received', 'verified', 'satisfied_by_licence',
                                           'satisfied_by_data', 'satisfied_by_locker')
                          GROUP BY 1) m ON m.case_id = c.id"""
        )
        return cursor.fetchone()


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def request(client, path: str) -> float:
    began = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def measure(small: str, large: str, runs: int, explain: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import cases

    print(f"code: {Path(cases.__file__).parent.parent}")
    databases = {"1k": small, "1M": large}
    clients: dict[str, dict[str, Client]] = {}
    for size, url in databases.items():
        use_database(url)
        from cases.models import Case

        print(f"{size}: {Case.objects.count():,} cases ({urlparse(url).path.lstrip('/')})")
        clients[size] = {}
        for role, user in users().items():
            client = Client()
            client.force_login(user)
            clients[size][role] = client
    samples = {(label, size): [] for label, _, _ in LISTS for size in databases}
    queries = {}
    for size, url in databases.items():
        use_database(url)
        for label, role, path in LISTS:
            request(clients[size][role], path)  # warm up
            with CaptureQueriesContext(connection) as captured:
                request(clients[size][role], path)
            queries[label, size] = len(captured)
            if explain and size == "1M":
                slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[0]
                print(f"-- {label}: slowest {slowest['time']}s\n{slowest['sql'][:1500]}\n")
    for _ in range(runs):
        for size, url in databases.items():
            use_database(url)
            for label, role, path in LISTS:
                samples[label, size].append(request(clients[size][role], path))
    print(
        f"\n{'list':<38} {'p50 1k':>7} {'p95 1k':>7} {'p50 1M':>7} {'p95 1M':>7} "
        f"{'ratio':>6} {'queries 1k/1M':>14}   (ms, {runs} runs each, interleaved)"
    )
    for label, _, _ in LISTS:
        small_s, large_s = samples[label, "1k"], samples[label, "1M"]
        print(
            f"{label:<38} {statistics.median(small_s):7.1f} {p95(small_s):7.1f} "
            f"{statistics.median(large_s):7.1f} {p95(large_s):7.1f} "
            f"{p95(large_s) / p95(small_s):6.2f} "
            f"{queries[label, '1k']:>6}/{queries[label, '1M']:<6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", help="database URL to (re)fill with --cases cases")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--small", help="database URL of the small (1 k) bench")
    parser.add_argument("--large", help="database URL of the large (1 M) bench")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--code", help="measure the project's code in this folder instead")
    parser.add_argument("--explain", action="store_true", help="print the slowest query at 1M")
    parser.add_argument("--check", action="store_true", help="compare counters with a recount")
    args = parser.parse_args()

    if args.build:
        url = checked_url(args.build)
        ensure_database(url)
        setup(args.code, url)
        began = time.perf_counter()
        build(args.cases, args.months)
        print(f"built {args.cases:,} cases in {time.perf_counter() - began:.0f}s")
        print("counters differing from a recount (trips, materials in):", counters_match())
        return
    if not (args.small and args.large):
        parser.error("--build URL, or --small URL --large URL")
    small, large = checked_url(args.small), checked_url(args.large)
    setup(args.code, small)
    from django.conf import settings

    settings.DEBUG = False
    if args.check:
        for url in (small, large):
            use_database(url)
            print(urlparse(url).path, "counters differing (trips, materials in):", counters_match())
    today = datetime.date.today()
    print(f"{today}; load: {os.getloadavg()}")
    measure(small, large, args.runs, args.explain)


if __name__ == "__main__":
    main()
