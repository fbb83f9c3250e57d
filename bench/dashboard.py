"""Supervision dashboard benchmark: load time of the page and the API on 1,000,000 cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_dashboard_bench \
        .venv/bin/python bench/dashboard.py [--cases 1000000] [--months 24] [--rebuild]
        [--runs 20] [--summary-only] [--keep-summary] [--backfill-days N]
        [--index candidates|none] [--explain]

It needs PostgreSQL and a database of its own whose name ends in ``bench`` (created if it does
not exist, migrated; its case tables emptied and refilled); it refuses anything else so that it
never touches the real ``onetrip`` database. Cases are generated in SQL (INSERT … SELECT over
generate_series, in batches, with a progress line): spread over ``--months`` months up to today,
skewed over 200 matters of 30 departments and 8 boards, 45 % at the window (one intake visit,
some a second one), three materials each (about 30 % satisfied by an e-licence), 60 % of
decided cases rated, bad ratings followed up. Then it builds the daily summary (timed), checks
its figures against a recount from the cases, and times the dashboard page and the summary API
for the last year (target: p95 ≤ 500 ms). See bench/README.md.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import bench_database_url, ensure_database, is_bench_name

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEPARTMENTS = 30
BOARDS = 8
MATTERS = 200
BATCH = 100_000
TARGET_MS = 500
# Indexes the dashboard would profit from (cases/ owns the migration; see README). The dates
# of today's live part are indexed by cases/migrations/0003 already.
CANDIDATE_INDEXES = {
    # The red and yellow lists: open cases whose clock runs, by deadline (LIMIT reads the head).
    "bench_case_open_deadline": "cases_case (deadline, id) WHERE status IN "
    "('submitted', 'supplement_required', 'in_review') AND clock_stopped_on IS NULL "
    "AND deadline IS NOT NULL",
    # Follow-ups closed since the summary's last count.
    "bench_followup_closed_at": "cases_followup (closed_at) WHERE closed_at IS NOT NULL",
}
# Earlier candidates, now cases/ indexes: dropped when found.
FORMER_CANDIDATES = (
    "bench_case_submitted_at",
    "bench_case_decided_at",
    "bench_rating_created_at",
    "bench_followup_open",
)


def progress(label: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0
    end = "\n" if done >= total else "\r"
    print(
        f"  {label}: {done:>9,}/{total:,} ({done / total:5.1%}) {rate:9,.0f}/s {elapsed:6.1f}s",
        end=end,
        flush=True,
    )


def build_catalog() -> None:
    """The bench's departments, boards and matters (three requirements each), if missing."""
    from accounts.models import Department
    from matters.models import Board, HandlingType, MaterialType, Matter, MatterKind, Requirement

    departments = [
        Department.objects.get_or_create(code=f"dsb{i:02d}", defaults={"name": f"看板测试局{i}"})[0]
        for i in range(DEPARTMENTS)
    ]
    boards = [
        Board.objects.get_or_create(
            code=f"dsb{i}", defaults={"name": f"看板板块{i}", "letter": "ABCDEFGH"[i], "order": i}
        )[0]
        for i in range(BOARDS)
    ]
    materials = [
        MaterialType.objects.get_or_create(code=f"dsb{i:02d}", defaults={"name": f"看板材料{i}"})[0]
        for i in range(40)
    ]
    for i in range(MATTERS):
        instant = i % 5 == 0
        matter, created = Matter.objects.get_or_create(
            code=f"dsb{i:03d}",
            defaults={
                "name": f"看板事项{i}",
                "kind": MatterKind.LICENSING,
                "board": boards[i % BOARDS],
                "lead_department": departments[i % DEPARTMENTS],
                "handling_type": HandlingType.INSTANT if instant else HandlingType.PROMISED,
                "legal_days": 1 if instant else 20,
                "committed_days": 0 if instant else 3 + i % 8,
                "conditions": "-",
                "legal_basis": "-",
                "consultation_phone": "12345",
                "result_name": "决定书",
            },
        )
        if created:
            Requirement.objects.bulk_create(
                Requirement(matter=matter, material=materials[(i + k * 7) % 40], order=k)
                for k in range(3)
            )


def bench_clerks(count: int) -> list[int]:
    """The keys of ``count`` window clerks of the bench hall (made once, then reused)."""
    from accounts.models import User

    ids = []
    for n in range(count):
        user, _created = User.objects.get_or_create(
            username=f"bench-clerk-{n:02d}", defaults={"name": f"窗口{n:02d}"}
        )
        ids.append(user.pk)
    return ids


def bench_halls() -> tuple[list[int], int]:
    """The city's network of the bench (made once, then reused): the keys of the halls that
    take cases in at the window, the city centre twice (it takes in as much as two others),
    and the key of a helper (代办员) of the village point."""
    from accounts.models import User
    from halls.models import Hall, HallLevel
    from halls.selectors import city_centre

    centre = city_centre()
    halls = [centre.pk, centre.pk]
    parent = centre
    for code, name, level in (
        ("dsb-district", "看板区中心", HallLevel.DISTRICT),
        ("dsb-town-1", "看板街道一", HallLevel.TOWN),
        ("dsb-town-2", "看板街道二", HallLevel.TOWN),
        ("dsb-village", "看板代办点", HallLevel.VILLAGE),
    ):
        hall, _created = Hall.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        halls.append(hall.pk)
        if level == HallLevel.DISTRICT:
            parent = hall
    helper, _created = User.objects.get_or_create(
        username="bench-helper", defaults={"name": "代办员", "hall_id": halls[-1]}
    )
    return halls, helper.pk


def build_cases(total: int, months: int, today: datetime.date) -> None:
    """Empty the case tables and generate ``total`` cases with visits, materials, ratings."""
    from django.db import connection

    from cases.models import Case

    halls, helper = bench_halls()

    start = today - datetime.timedelta(days=round(months * 30.4))
    span = (today - start).days
    started = time.perf_counter()
    # Inside a transaction (a test builds its cases with this generator) the indexes stay,
    # the foreign keys are checked and the tables are only analysed: VACUUM cannot run there.
    bulk = not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Case._meta.db_table} RESTART IDENTITY CASCADE")
        if bulk:
            drop_indexes(cursor)
        # Rows generated consistent by construction: skip the per-row foreign-key checks
        # (superuser only; a bench database of its own).
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        unchecked = bulk and cursor.fetchone()[0]
        if unchecked:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("DROP TABLE IF EXISTS bench_matter")
        cursor.execute(
            """
            CREATE UNLOGGED TABLE bench_matter AS
            SELECT (row_number() OVER (ORDER BY code)) - 1 AS idx, id, lead_department_id,
                   committed_days, legal_days, handling_type = 'instant' AS instant,
                   (SELECT count(*) FROM matters_requirement r WHERE r.matter_id = m.id) AS reqs
            FROM matters_matter m WHERE code LIKE 'dsb%%'
            """
        )
        cursor.execute("SELECT count(*) FROM bench_matter")
        matters = cursor.fetchone()[0]
        done = 0
        while done < total:
            size = min(BATCH, total - done)
            # One row per case: a skewed matter, a submission time, then acceptance, deadline
            # (working days ≈ calendar days × 7/5), and for older cases a decision.
            cursor.execute(
                """
                WITH base AS (
                    -- Submitted in the order of the keys, as a hall's cases are: a day's
                    -- cases lie together in the table (random times scattered today's cases
                    -- over every page of it, one page read per case).
                    SELECT g, floor(power(random(), 2) * %(matters)s)::int AS mi,
                           %(start)s::timestamptz
                               + (g - 1 + random()) / %(total)s * %(span)s * interval '1 day'
                               + interval '9 hours' AS sub,
                           random() AS r1, random() AS r2, random() AS r3, random() AS r4
                    FROM generate_series(%(lo)s, %(hi)s) g
                ), c AS (
                    SELECT b.*, m.id AS matter_id, m.lead_department_id, m.committed_days,
                           m.legal_days, m.instant, m.reqs, (b.sub)::date AS acc,
                           ((b.sub)::date + ceil(m.committed_days * 1.4)::int) AS dl
                    FROM base b JOIN bench_matter m ON m.idx = b.mi
                ), d AS (
                    SELECT c.*, CASE
                        WHEN c.instant THEN c.sub + interval '20 minutes'
                        WHEN c.acc + ceil(c.committed_days * 1.4 * (0.3 + c.r2))::int
                             < %(today)s::date
                        THEN c.sub + ceil(c.committed_days * 1.4 * (0.3 + c.r2)) * interval '1 day'
                    END AS dec
                    FROM c
                )
                INSERT INTO cases_case (
                    number, matter_id, lead_department_id, channel, applicant_kind,
                    applicant_name, applicant_id_number, applicant_credit_code, applicant_phone,
                    agent_name, agent_id_number, agent_phone, delivery_method, receiver,
                    receiver_phone, province, city, district, address, waybill, status,
                    committed_days, legal_days, extension_days, stopped_days, submitted_at,
                    accepted_on, deadline, warning_on, decided_at, closed_at, decision_note,
                    created_at, updated_at, trip_count, materials_in,
                    hall_id, pickup_hall_id, helper_id, home_visit, pickup_chosen,
                    fee_outstanding, answers)
                SELECT 'B' || lpad(g::text, 12, '0'), matter_id, lead_department_id,
                       CASE WHEN r1 < 0.45 THEN 'window' ELSE 'online' END, 'person',
                       '张三', '', '', '13800000000', '', '', '', 'pickup', '', '', '', '', '',
                       '', '', CASE WHEN dec IS NULL THEN 'in_review' ELSE 'closed' END,
                       committed_days, legal_days, 0,
                       CASE WHEN r3 < 0.1 THEN 2 ELSE 0 END, sub, acc, dl,
                       dl - greatest(1, ceil(committed_days * 0.28)::int), dec, dec, '',
                       sub, sub,
                       -- The visits and materials generated below, counted on the row.
                       (r1 < 0.45)::int + (dec IS NOT NULL AND r4 < 0.12)::int, reqs,
                       -- The intake hall: online cases at the city centre, window ones at
                       -- one of the halls; one in ten collected at the city centre, half the
                       -- village point's carried by its helper, one in fifty taken at home.
                       CASE WHEN r1 < 0.45 THEN (%(halls)s::bigint[])[1 + g %% 6]
                            ELSE (%(halls)s::bigint[])[1] END,
                       CASE WHEN g %% 10 = 0 THEN (%(halls)s::bigint[])[1] END,
                       CASE WHEN r1 < 0.45 AND g %% 6 = 5 AND g %% 12 = 5 THEN %(helper)s END,
                       g %% 50 = 0, false, false, '[]'::jsonb
                FROM d
                """,
                {
                    "matters": matters,
                    "start": start,
                    "span": span,
                    "total": total,
                    "lo": done + 1,
                    "hi": done + size,
                    "today": today,
                    "halls": halls,
                    "helper": helper,
                },
            )
            done += size
            progress("cases", done, total, started)

        # Every trip served by one of the hall's 24 clerks (the per-staff figures read them).
        clerks = bench_clerks(24)
        steps = [
            (
                "visits (intake)",
                f"""INSERT INTO cases_visit (case_id, date, kind, clerk_id)
                   SELECT id, accepted_on, 'intake', (ARRAY{clerks})[1 + id % {len(clerks)}]
                   FROM cases_case WHERE channel = 'window' AND id BETWEEN {{lo}} AND {{hi}}""",
            ),
            (
                "visits (second trip)",
                f"""INSERT INTO cases_visit (case_id, date, kind, clerk_id)
                   SELECT id, (decided_at)::date + 1, 'collect',
                          (ARRAY{clerks})[1 + (id / 7) % {len(clerks)}]
                   FROM cases_case WHERE trip_count > (channel = 'window')::int
                   AND id BETWEEN {{lo}} AND {{hi}}""",
            ),
            (
                "materials",
                """INSERT INTO cases_casematerial (case_id, requirement_id, material_type_id,
                       "order", "key", "required", "deferrable", "copies", status, received_form,
                       received_copies, reason, provided_by)
                   SELECT c.id, r.id, r.material_id, r."order", r."key", r."required",
                          r."deferrable", r."copies",
                          CASE WHEN random() < 0.3 THEN 'satisfied_by_licence'
                               ELSE 'received' END, '', 1, '', r.provided_by
                   FROM cases_case c JOIN matters_requirement r ON r.matter_id = c.matter_id
                   WHERE c.id BETWEEN {lo} AND {hi}""",
            ),
            (
                "ratings",
                """INSERT INTO cases_rating (case_id, score, comment, channel, created_at)
                   SELECT id, CASE WHEN x < 0.02 THEN 1 WHEN x < 0.05 THEN 2
                                   WHEN x < 0.12 THEN 3 WHEN x < 0.40 THEN 4 ELSE 5 END,
                          '', 'online', decided_at + interval '1 day'
                   FROM (SELECT id, decided_at, random() AS x FROM cases_case
                         WHERE decided_at IS NOT NULL AND id BETWEEN {lo} AND {hi}) s
                   WHERE random() < 0.6""",
            ),
            (
                "follow-ups",
                """INSERT INTO cases_followup (rating_id, about, department_id, due_date,
                       callback_note, outcome, closed_at)
                   SELECT r.id, 'decision', c.lead_department_id, (r.created_at)::date + 10, '',
                          '', CASE WHEN random() < 0.8 THEN r.created_at + interval '5 days' END
                   FROM cases_rating r JOIN cases_case c ON c.id = r.case_id
                   WHERE r.score <= 2""",
            ),
        ]
        for label, statement in steps:
            step_started = time.perf_counter()
            rows = 0
            # In slices of the cases (a progress line each), except the follow-ups (few).
            slices = (
                [(0, 0)]
                if "{lo}" not in statement
                else [(lo, lo + STEP_SLICE - 1) for lo in range(1, total + 1, STEP_SLICE)]
            )
            for lo, hi in slices:
                cursor.execute(statement.format(lo=lo, hi=hi))
                rows += cursor.rowcount
                if len(slices) > 1:
                    progress(label, min(hi, total), total, step_started)
            print(f"  {label}: {rows:,} rows in {time.perf_counter() - step_started:.1f}s")
        cursor.execute("DROP TABLE bench_matter")
        if unchecked:
            cursor.execute("SET session_replication_role = DEFAULT")
        if bulk:
            restore_indexes(cursor)
        began = time.perf_counter()
        # As autovacuum would leave them: hint bits set, visibility map for index-only scans.
        if bulk:
            cursor.execute(f"VACUUM ANALYZE {', '.join(GENERATED_TABLES)}")
        cursor.execute("ANALYZE")
        print(f"  vacuum, analyze: {time.perf_counter() - began:.1f}s")
    print(f"generated in {time.perf_counter() - started:.1f}s")


GENERATED_TABLES = (
    "cases_case",
    "cases_visit",
    "cases_casematerial",
    "cases_rating",
    "cases_followup",
)
STEP_SLICE = 1_000_000


def drop_indexes(cursor) -> None:
    """Drop the generated tables' secondary indexes (not those behind a constraint): built
    once after the rows are in, that is several times faster than maintained row by row at
    10 M cases. Their definitions wait in ``bench_dropped_index``, so that a run stopped
    half-way gets them back at its next start (``restore_indexes``)."""
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_dropped_index (name text PRIMARY KEY, definition text)"
    )
    cursor.execute(
        """
        INSERT INTO bench_dropped_index
        SELECT i.indexname, i.indexdef
        FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname
        WHERE i.schemaname = 'public' AND c.relnamespace = 'public'::regnamespace
          AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
        ON CONFLICT DO NOTHING
        """,
        [list(GENERATED_TABLES)],
    )
    cursor.execute("SELECT name FROM bench_dropped_index")
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_indexes(cursor) -> None:
    """Build the indexes ``drop_indexes`` dropped (each committed on its own)."""
    cursor.execute("SELECT to_regclass('bench_dropped_index')")
    if cursor.fetchone()[0] is None:
        return
    began = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute("SELECT name, definition FROM bench_dropped_index ORDER BY name")
    definitions = cursor.fetchall()
    for name, definition in definitions:
        cursor.execute(definition.replace(" INDEX ", " INDEX IF NOT EXISTS ", 1))
        cursor.execute("DELETE FROM bench_dropped_index WHERE name = %s", [name])
    cursor.execute("DROP TABLE bench_dropped_index")
    cursor.execute("RESET maintenance_work_mem")
    print(f"  {len(definitions)} indexes built in {time.perf_counter() - began:.1f}s")


def timed(client, path: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--rebuild", action="store_true", help="regenerate even if sizes fit")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument(
        "--index",
        choices=["none", "candidates"],
        default="candidates",
        help="drop or create the candidate indexes (CANDIDATE_INDEXES)",
    )
    parser.add_argument(
        "--summary-only", action="store_true", help="skip the (slow) measure without the summary"
    )
    parser.add_argument(
        "--keep-summary",
        action="store_true",
        help="reuse the summary if it reaches yesterday (skips building and timing it)",
    )
    parser.add_argument(
        "--backfill-days",
        type=int,
        default=0,
        help="summarise only the last N days (default: all; the one-year range needs 365)",
    )
    args = parser.parse_args()

    url = bench_database_url("dashboard.py")
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve
    from django.utils import timezone

    from accounts.models import User
    from cases.models import Case

    assert connection.vendor == "postgresql"
    assert is_bench_name(connection.settings_dict["NAME"])
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]

    with connection.cursor() as cursor:
        restore_indexes(cursor)  # of a generation stopped half-way
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    build_catalog()
    if args.rebuild or Case.objects.count() != args.cases:
        build_cases(args.cases, args.months, today)
    else:
        print(f"reusing {args.cases:,} cases (--rebuild to regenerate)")

    set_indexes(args.index)
    try:
        resolve("/supervision/")
    except Resolver404:
        # Until hall/urls.py includes the dashboard, serve it through the tests' URL module.
        settings.ROOT_URLCONF = "tests.supervision.urls"
        from django.urls import clear_url_caches

        clear_url_caches()

    user, _ = User.objects.get_or_create(
        username="dashboard_bench", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    start = today - datetime.timedelta(days=364)
    query = f"start={start}&end={today}"
    api_query = f"from={start}&to={today}"

    from hall.models import SupervisionSummaryState
    from hall.supervision.selectors import Scope

    scope = Scope(start=start, end=today)
    yesterday = today - datetime.timedelta(days=1)
    state = SupervisionSummaryState.objects.first()
    if args.keep_summary and state is not None and state.covered_to == yesterday:
        print(f"\nkeeping the summary ({state.covered_from} .. {state.covered_to})")
    else:
        build_summary(args, scope, today)

    print("\nwith the summary (closed days from SupervisionDaily, today from the cases):")
    measure(client, scope, query, api_query, args.runs)
    profile_page(client, f"/supervision/?{query}")

    if args.explain:
        from hall.supervision import selectors

        low, high = Scope(start=today, end=today).bounds()
        for label, queryset in [
            ("received today", selectors._received_rows(scope, low, high)),
            ("decided today", selectors._decided_rows(scope, low, high)),
            ("overdue", selectors._open_cases(scope).filter(deadline__lt=today)[:51]),
        ]:
            print(f"\n-- {label}\n{queryset.explain(analyze=True)}")


def build_summary(args, scope, today: datetime.date) -> None:
    """Step 1 (without ``--summary-only``) and step 2: the summary built afresh, timed."""
    from django.db import connection

    from hall.models import (
        SupervisionDaily,
        SupervisionPeopleDaily,
        SupervisionRollupDaily,
        SupervisionSummaryState,
    )
    from hall.supervision.selectors import supervision_figures
    from hall.supervision.summary import (
        supervision_summary_backfill,
        supervision_summary_refresh,
    )

    for model in (SupervisionDaily, SupervisionRollupDaily, SupervisionPeopleDaily):
        model.objects.all().delete()
    SupervisionSummaryState.objects.all().delete()
    recount = None
    if not args.summary_only:
        print(f"\nindexes: {args.index}; without the summary (every figure from the cases):")
        began = time.perf_counter()
        recount = figures_of(supervision_figures(scope))
        print(f"  selector (one run): {(time.perf_counter() - began) * 1000:.0f} ms")

    first = today - datetime.timedelta(days=args.backfill_days) if args.backfill_days else None
    print(
        "\nbuilding the summary (manage.py supervision_summary: "
        f"{'every closed day' if first is None else f'from {first}'}, 31 days per chunk)"
    )
    began = time.perf_counter()
    covered = supervision_summary_backfill(start=first)
    print(
        f"  backfill {covered[0]} .. {covered[1]}: {SupervisionDaily.objects.count():,} rows "
        f"(summed over the halls and per hall: {SupervisionRollupDaily.objects.count():,}) in "
        f"{time.perf_counter() - began:.1f}s"
    )
    yesterday = today - datetime.timedelta(days=1)
    began = time.perf_counter()
    supervision_summary_refresh(start=yesterday, end=yesterday)
    print(f"  one day (yesterday) rebuilt in {time.perf_counter() - began:.1f}s")
    began = time.perf_counter()
    supervision_summary_refresh(start=yesterday - datetime.timedelta(days=59), end=yesterday)
    print(f"  last 60 closed days (the nightly task) in {time.perf_counter() - began:.1f}s")
    # Filled just now: autovacuum would analyse them soon; where it is off, nothing would.
    tables = (SupervisionDaily, SupervisionRollupDaily, SupervisionPeopleDaily)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))
    if recount is not None:
        same = figures_of(supervision_figures(scope)) == recount
        print(f"  summary figures == recount from the cases (total, every group): {same}")
        if not same:
            sys.exit("the summary's figures differ from the cases'")


def figures_of(dashboard) -> tuple:
    """Every figure of a dashboard: the total and each department, board and matter."""
    return tuple(
        (f.label, f.summary(), f.mean_materials_required, f.mean_by_licence)
        for f in [
            dashboard.total,
            *dashboard.by_department,
            *dashboard.by_board,
            *dashboard.by_matter,
        ]
    )


def profile_page(client, path: str, loads: int = 10) -> None:
    """Page loads split into SQL (per query) and the rest (Python, template): medians of
    ``loads`` loads, with the request thread's CPU time and the template's (``render``)."""
    from django.db import connection

    from hall.supervision import views

    queries: list[tuple[float, str]] = []
    rendering: list[tuple[float, float]] = []
    render = views.render

    def wrapper(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - began) * 1000, sql))

    def timed_render(*args, **kwargs):
        began, cpu = time.perf_counter(), time.thread_time()
        try:
            return render(*args, **kwargs)
        finally:
            rendering.append(
                ((time.perf_counter() - began) * 1000, (time.thread_time() - cpu) * 1000)
            )

    loads_seen = []
    views.render = timed_render
    try:
        with connection.execute_wrapper(wrapper):
            for _ in range(loads):
                queries.clear()
                began, cpu = time.perf_counter(), time.thread_time()
                client.get(path)
                total = (time.perf_counter() - began) * 1000
                loads_seen.append(
                    (total, sum(ms for ms, _ in queries), (time.thread_time() - cpu) * 1000)
                )
    finally:
        views.render = render
    median = statistics.median
    total, sql, cpu = (median(load[i] for load in loads_seen) for i in range(3))
    print(
        f"\n  page load (median of {loads}): {total:.0f} ms = SQL {sql:.0f} ms "
        f"({len(queries)} queries) + Python/template {total - sql:.0f} ms; CPU of the request "
        f"{cpu:.0f} ms, of which the template {median(r[1] for r in rendering):.1f} ms "
        f"(render {median(r[0] for r in rendering):.1f} ms wall); slowest queries (last load):"
    )
    for ms, statement in sorted(queries, reverse=True)[:5]:
        print(f"    {ms:6.1f} ms  {statement[:110]}")


def set_indexes(mode: str) -> None:
    """Create or drop the candidate indexes (bench database only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for name in FORMER_CANDIDATES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for name, definition in CANDIDATE_INDEXES.items():
            if mode == "candidates":
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("ANALYZE cases_case")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(client, scope, query: str, api_query: str, runs: int) -> None:
    """Median and p95 of the selector, the page and the API, interleaved run by run: warm
    (the summary's reads in the cache, as every load after the first since a refresh) and
    cold (the first load after a refresh: the summary's stamp moved before it)."""
    from django.utils import timezone

    from hall.models import SupervisionSummaryState
    from hall.supervision.selectors import supervision_figures

    def refreshed() -> None:
        # What a refresh does to the cache keys, without rewriting the rows.
        SupervisionSummaryState.objects.update(refreshed_at=timezone.now())

    page, api = f"/supervision/?{query}", f"/api/v1/supervision/summary/?{api_query}"
    total = supervision_figures(scope).total
    timed(client, page, 1)  # warm-up
    print(
        f"  range {scope.start} .. {scope.end}: received {total.received:,}, decided "
        f"{total.decided:,}"
    )
    selector, cold_page, cold_api = "selector supervision_figures", "page, cold", "API, cold"
    results: dict[str, list[float]] = {selector: [], page: [], api: [], cold_page: [], cold_api: []}
    for _ in range(runs):
        began = time.perf_counter()
        supervision_figures(scope)
        results[selector].append((time.perf_counter() - began) * 1000)
        results[page] += timed(client, page, 1)
        results[api] += timed(client, api, 1)
        refreshed()
        results[cold_page] += timed(client, page, 1)
        refreshed()
        results[cold_api] += timed(client, api, 1)
    print(
        f"  {'what (warm unless cold)':<70} {'median':>7} {'p95':>7} {'max':>7}  (ms, {runs} runs)"
    )
    for name, samples in results.items():
        p95 = percentile(samples, 0.95)
        verdict = "ok" if p95 <= TARGET_MS else "MISS"
        print(
            f"  {name:<70} {statistics.median(samples):7.0f} {p95:7.0f} {max(samples):7.0f}  "
            f"{verdict}"
        )


if __name__ == "__main__":
    main()
