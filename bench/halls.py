"""Halls benchmark: the desk inbox and the display board with one hall and with 50 halls.

    DB=postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/halls.py --build $DB/onetrip_halls1_bench --halls 1 --cases 20000
    .venv/bin/python bench/halls.py --build $DB/onetrip_halls50_bench --halls 50 --cases 200000
    .venv/bin/python bench/halls.py --small $DB/onetrip_halls1_bench \\
        --large $DB/onetrip_halls50_bench [--runs 60] [--explain]

Each database must be PostgreSQL, of its own, named ``…bench`` (created if missing, migrated,
its tables emptied and refilled by ``--build``). The catalog and the cases come from the
dashboard bench's SQL generator (``bench/dashboard.py``); this script adds the city: the city
centre and ``--halls`` − 1 district and town centres, each with a queue, every board and
``--windows`` windows (20: 1,000 windows at 50 halls), a clerk per hall; 31 days of tickets at
every hall (150 a day: today's first 100 done, 10 called at a window, 40 waiting); the latest
online cases (one in 250) still ``submitted`` (the desk's inbox); and intake scopes on the
matters: 60 % every hall, 20 % a level and up, 20 % named halls (five each).

The measure signs in a hall's clerk with the test client (in process, no network) and requests
the desk (``/desk/``, whose inbox is the hall's), the board API (``/api/v1/board/?hall=``) and
the board page (``/board/<hall>/``), for the city centre and for a town centre, alternating
between the small and the large database each round. It prints p50, p95, the large/small ratio
of p95 (the one-hall city centre is the reference) and the queries of one request.
"""

import argparse
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
TICKETS_PER_DAY = 150
DAYS = 31
TARGET_RATIO = 1.3


def checked_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql") or not parsed.path.endswith("bench"):
        sys.exit(f"{url!r}: a PostgreSQL database whose name ends in 'bench' is needed")
    return url


def setup(url: str) -> None:
    sys.path[:] = [str(BASE_DIR)] + [p for p in sys.path if p not in ("", str(BASE_DIR))]
    os.chdir(BASE_DIR)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from rest_framework.views import APIView

    settings.ALLOWED_HOSTS = ["*"]
    APIView.throttle_classes = []


def use_database(url: str) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = urlparse(url).path.lstrip("/")
    ContentType.objects.clear_cache()


def hall_code(n: int) -> str:
    return "city" if n == 0 else f"h{n:02d}"


def build(halls: int, windows: int, cases: int) -> None:
    from dashboard import build_cases, build_catalog
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from halls.models import Hall, HallLevel
    from halls.selectors import city_centre
    from matters.models import Board, IntakeScope, Matter
    from windows.models import Ticket, TicketSequence, Window

    call_command("migrate", verbosity=0)
    build_catalog()
    today = timezone.localdate()
    build_cases(cases, 12, today)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Ticket, TicketSequence, Window):
            cursor.execute(f"TRUNCATE {model._meta.db_table} RESTART IDENTITY CASCADE")
    Matter.intake_halls.through.objects.all().delete()
    User.objects.filter(username__startswith="bench-hall-").update(hall=None)
    Hall.objects.exclude(pk=city_centre().pk).update(parent=None)
    Hall.objects.exclude(pk=city_centre().pk).delete()

    centre = city_centre()
    boards = list(Board.objects.filter(code__startswith="dsb").order_by("order"))
    centre.boards.set(boards)
    city = [centre]
    for n in range(1, halls):
        district = n <= 5
        hall = Hall.objects.create(
            code=hall_code(n),
            name=f"测试{n:02d}便民服务中心",
            level=HallLevel.DISTRICT if district else HallLevel.TOWN,
            parent=centre if district else city[1 + n % 5],
            address=f"测试路 {n} 号",
            has_windows=True,
            has_queue=True,
            order=n,
        )
        hall.boards.set(boards)
        city.append(hall)
    clerks = Group.objects.get_or_create(name="clerk")[0]
    for n, hall in enumerate(city):
        clerk, _made = User.objects.get_or_create(
            username=f"bench-hall-{hall_code(n)}", defaults={"name": f"窗口{n:02d}"}
        )
        clerk.hall = hall
        clerk.is_staff = True
        clerk.save()
        clerk.groups.add(clerks)
        made = Window.objects.bulk_create(
            Window(
                hall=hall,
                number=w,
                name=f"{w}号窗口",
                generalist=w <= 2,
                clerk=clerk if w == 1 else None,
            )
            for w in range(1, windows + 1)
        )
        Window.boards.through.objects.bulk_create(
            Window.boards.through(window_id=window.pk, board_id=boards[i % len(boards)].pk)
            for i, window in enumerate(made)
            if not window.generalist
        )
    # Matters: most open everywhere, some from a level up, some at five named halls.
    matters = list(Matter.objects.filter(code__startswith="dsb").order_by("code"))
    levels = (HallLevel.DISTRICT, HallLevel.TOWN)
    for i, matter in enumerate(matters):
        kind = i % 10
        if kind < 6:
            matter.intake_scope, matter.intake_min_level = IntakeScope.ALL, ""
        elif kind < 8:
            matter.intake_scope, matter.intake_min_level = IntakeScope.LEVELS, levels[kind - 6]
        else:
            matter.intake_scope, matter.intake_min_level = IntakeScope.NAMED, ""
            matter.intake_halls.set(city[(i + k * 7) % len(city)] for k in range(5))
    Matter.objects.bulk_update(matters, ["intake_scope", "intake_min_level"])

    with connection.cursor() as cursor:
        # The inbox: the latest online cases, one in 250, still submitted.
        cursor.execute(
            """UPDATE cases_case SET status = 'submitted', accepted_on = NULL, deadline = NULL,
                   warning_on = NULL, decided_at = NULL, closed_at = NULL, trip_count = 0
               WHERE id IN (SELECT id FROM cases_case WHERE channel = 'online'
                            ORDER BY submitted_at DESC LIMIT %s)""",
            [max(120, cases // 250)],
        )
        print(f"  inbox: {cursor.rowcount:,} cases submitted")
        # Tickets: DAYS days at every hall; today's first 100 done, 10 called, the rest waiting.
        cursor.execute(
            """
            WITH h AS (SELECT id FROM halls_hall),
                 b AS (SELECT id, letter, row_number() OVER (ORDER BY "order") - 1 AS bi
                       FROM matters_board WHERE code LIKE 'dsb%%'),
                 t AS (
                    SELECT h.id AS hall_id, d::date AS day, s AS seq
                    FROM h, generate_series(%(today)s::date - %(days)s + 1, %(today)s::date,
                                            interval '1 day') d,
                         generate_series(1, %(per_day)s) s)
            INSERT INTO windows_ticket (board_id, hall_id, date, sequence, number, status,
                priority, id_number, phone, window_id, created_at, called_at, served_at,
                done_at)
            SELECT b.id, t.hall_id, t.day, t.seq / 8 + 1,
                   b.letter || lpad((t.seq / 8 + 1)::text, 3, '0'),
                   CASE WHEN t.day < %(today)s OR t.seq <= 100 THEN 'done'
                        WHEN t.seq <= 110 THEN 'called' ELSE 'waiting' END,
                   false, '', '',
                   CASE WHEN t.day < %(today)s OR t.seq <= 110 THEN
                       (SELECT w.id FROM windows_window w
                        WHERE w.hall_id = t.hall_id AND w.number = 1 + t.seq %% %(windows)s)
                   END,
                   t.day + interval '8 hours 30 minutes' + t.seq * interval '2 minutes',
                   CASE WHEN t.day < %(today)s OR t.seq <= 110 THEN
                       t.day + interval '8 hours 40 minutes' + t.seq * interval '2 minutes'
                   END,
                   CASE WHEN t.day < %(today)s OR t.seq <= 100 THEN
                       t.day + interval '8 hours 41 minutes' + t.seq * interval '2 minutes'
                   END,
                   CASE WHEN t.day < %(today)s OR t.seq <= 100 THEN
                       t.day + interval '8 hours 49 minutes' + t.seq * interval '2 minutes'
                   END
            FROM t JOIN b ON b.bi = t.seq %% 8
            """,
            {"today": today, "days": DAYS, "per_day": TICKETS_PER_DAY, "windows": windows},
        )
        print(f"  tickets: {cursor.rowcount:,}")
        cursor.execute(
            """INSERT INTO windows_ticketsequence (hall_id, board_id, date, last)
               SELECT hall_id, board_id, date, max(sequence) FROM windows_ticket
               GROUP BY hall_id, board_id, date"""
        )
        cursor.execute("ANALYZE")
    print(
        f"city built: {halls} halls, {halls * windows:,} windows in "
        f"{time.perf_counter() - started:.1f}s"
    )


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def clients(codes: list[str]) -> dict:
    from django.test import Client

    from accounts.models import User

    found = {}
    for code in codes:
        client = Client()
        client.force_login(User.objects.get(username=f"bench-hall-{code}"))
        found[code] = client
    return found


def requests_for(code: str) -> list[tuple[str, str, str]]:
    """(label, clerk's hall code or "" for anonymous, path)."""
    return [
        (f"desk inbox /desk/ ({code})", code, "/desk/"),
        (f"board API ?hall={code}", "", f"/api/v1/board/?hall={code}"),
        (f"board page /board/{code}/", "", f"/board/{code}/"),
    ]


def measure(small: str, large: str, runs: int, town: str, explain: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # (label, database, code in that database, reference label in the small one)
    plans = []
    for code in ("city", town):
        for (label, who, path), (ref, _who, _path) in zip(
            requests_for(code), requests_for("city"), strict=True
        ):
            plans.append((label, large, who, path, ref))
    for label, who, path in requests_for("city"):
        plans.append((label, small, who, path, label))
    samples: dict[tuple[str, str], list[float]] = {}
    queries: dict[tuple[str, str], int] = {}
    logged: dict[str, dict] = {}
    anonymous = Client()
    for url in (small, large):
        use_database(url)
        logged[url] = clients(["city", town] if url == large else ["city"])
        for label, db, who, path, _ref in plans:
            if db != url:
                continue
            client = logged[url][who] if who else anonymous
            assert client.get(path).status_code == 200, (label, path)
            with CaptureQueriesContext(connection) as seen:
                client.get(path)
            queries[(db, label)] = len(seen)
    for _round in range(runs):
        for url in (small, large):
            use_database(url)
            for label, db, who, path, _ref in plans:
                if db != url:
                    continue
                client = logged[url][who] if who else anonymous
                began = time.perf_counter()
                client.get(path)
                samples.setdefault((db, label), []).append((time.perf_counter() - began) * 1000)
    print(f"\n{runs} runs each; p95 ratio against the one-hall city centre (target ≤ 1.3×)")
    print(f"{'request':42} {'halls':>6} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6} {'queries':>8}")
    for label, db, _who, _path, ref in plans:
        times = samples[(db, label)]
        p95 = percentile(times, 0.95)
        reference = percentile(samples[(small, ref)], 0.95)
        name = "50" if db == large else "1"
        print(
            f"{label:42} {name:>6} {statistics.median(times):8.1f} {p95:8.1f} "
            f"{p95 / reference:6.2f} {queries[(db, label)]:8}"
        )
    if explain:
        use_database(large)
        explain_inbox(town)


def explain_inbox(code: str) -> None:
    from django.db import connection

    from cases.selectors import cases_awaiting_intake
    from halls.models import Hall
    from windows.selectors import intake_at

    hall = Hall.objects.get(code=code)
    query = cases_awaiting_intake().filter(intake_at(hall))[:100]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
        print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", help="build this database")
    parser.add_argument("--halls", type=int, default=50)
    parser.add_argument("--windows", type=int, default=20, help="windows per hall")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--small", help="the one-hall database")
    parser.add_argument("--large", help="the many-hall database")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--town", default="h07", help="the town centre measured")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if args.build:
        url = checked_url(args.build)
        ensure_database(url)
        setup(url)
        build(args.halls, args.windows, args.cases)
        return
    if not (args.small and args.large):
        parser.error("--build, or --small and --large")
    setup(checked_url(args.small))
    measure(checked_url(args.small), checked_url(args.large), args.runs, args.town, args.explain)


if __name__ == "__main__":
    main()
