"""On a generated hall (random cases over 90 days up to today, bundles, visits, materials,
ratings, follow-ups, holidays, intake and pickup halls), the figures read from the daily
summary equal a recount from the cases: for ranges inside, across and outside the summarised
days, with every filter, per hall and level as well, and after cases, ratings and follow-ups
change since the last refresh; the rows summed over part of the grain equal the full grain's
sums. The same for the figures per window and staff member, with trips served by clerks and
queue tickets."""

import datetime
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    Channel,
    FollowUp,
    MaterialStatus,
    Rating,
    Visit,
)
from hall.models import (
    DAILY_GRAIN,
    SupervisionDaily,
    SupervisionPeopleDaily,
    SupervisionRollupDaily,
    SupervisionSummaryState,
)
from hall.supervision.selectors import Scope, supervision_figures, window_staff_figures
from halls.models import HallLevel
from halls.selectors import city_centre
from matters.models import CalendarDay, CalendarDayKind
from tests.factories import (
    BoardFactory,
    BundleFactory,
    DepartmentFactory,
    HallFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
    UserFactory,
)
from windows.models import Ticket, TicketEvent, Window

DAYS = 90


def figures_of(dashboard) -> list:
    return [
        (f.label, f.summary(), f.mean_materials_required, f.mean_by_licence)
        for f in [
            dashboard.total,
            *dashboard.by_department,
            *dashboard.by_board,
            *dashboard.by_matter,
        ]
    ] + [
        (f.label, f.level, f.hall_summary(), f.summary())
        for f in [*dashboard.by_hall, *dashboard.by_level]
    ]


def recount(scope: Scope) -> list:
    """The figures from the cases alone, as if there were no summary."""
    with transaction.atomic():
        SupervisionSummaryState.objects.all().delete()
        figures = figures_of(supervision_figures(scope))
        transaction.set_rollback(True)
    return figures


def at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(0, 23), rng.randint(0, 59)))
    return timezone.make_aware(moment, timezone.get_current_timezone())


@pytest.fixture
def generated(db):
    rng = random.Random(20261206)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=DAYS)
    CalendarDay.objects.update_or_create(
        date=today - datetime.timedelta(days=20),
        defaults={"kind": CalendarDayKind.HOLIDAY, "name": "测试假日"},
    )
    departments = [DepartmentFactory(code=f"gd{i}") for i in range(3)]
    boards = [BoardFactory(code=f"gb{i}") for i in range(2)]
    matters = [
        MatterFactory(
            code=f"gm{i}",
            board=boards[i % 2],
            lead_department=departments[i % 3],
            instant=i == 0,
            committed_days=0 if i == 0 else 3 + i,
            legal_days=1 if i == 0 else 20,
            with_guide=False,
        )
        for i in range(5)
    ]
    requirements = {
        matter.id: [
            RequirementFactory(matter=matter, material=MaterialTypeFactory(), required=k < 2)
            for k in range(3)
        ]
        for matter in matters
    }
    bundle = BundleFactory(matters=matters[1:3])
    town = HallFactory(code="gtown", level=HallLevel.TOWN)
    halls = [None, city_centre(), town, HallFactory(level=HallLevel.VILLAGE, parent=town)]
    hall_rng = random.Random(13)  # apart, so that the rest is drawn as before
    now = timezone.now()
    for n in range(400):
        submitted = first + datetime.timedelta(days=rng.randint(0, DAYS))
        in_bundle = rng.random() < 0.1
        matter = matters[int(rng.random() ** 2 * len(matters))]
        accepted = submitted if rng.random() < 0.9 else None
        decided = None
        if accepted and rng.random() < 0.75:
            decided_on = min(today, submitted + datetime.timedelta(days=rng.randint(0, 12)))
            decided = min(now, at(decided_on, rng))
        case = Case.objects.create(
            number=f"G{n:08d}",
            matter=None if in_bundle else matter,
            bundle=bundle if in_bundle else None,
            lead_department=matter.lead_department,
            channel=Channel.WINDOW if rng.random() < 0.5 else Channel.ONLINE,
            applicant_kind="person",
            applicant_name="张三",
            applicant_phone="13800000000",
            status=CaseStatus.CLOSED if decided else CaseStatus.IN_REVIEW,
            committed_days=matter.committed_days,
            legal_days=matter.legal_days,
            stopped_days=rng.choice([0, 0, 0, 1, 2]),
            submitted_at=min(now, at(submitted, rng)),
            accepted_on=accepted,
            deadline=accepted + datetime.timedelta(days=rng.randint(0, 9)) if accepted else None,
            decided_at=decided,
            hall=hall_rng.choice(halls),
            pickup_hall=hall_rng.choice(halls),
        )
        visits = rng.sample(range(0, 6), rng.choice([0, 1, 1, 1, 2, 3]))
        for offset in visits:
            Visit.objects.create(
                case=case, date=submitted + datetime.timedelta(days=offset), kind="intake"
            )
        for requirement in rng.sample(requirements[matter.id], rng.randint(0, 3)):
            CaseMaterial.objects.create(
                case=case,
                requirement=requirement,
                material_type=requirement.material,
                required=requirement.required,
                status=rng.choice(list(MaterialStatus.values)),
            )
        if decided and rng.random() < 0.6:
            score = rng.choice([1, 2, 3, 4, 5, 5])
            rating = Rating.objects.create(case=case, score=score, channel=Channel.ONLINE)
            rated = min(now, decided + datetime.timedelta(hours=rng.randint(0, 72)))
            Rating.objects.filter(pk=rating.pk).update(created_at=rated)
            if score <= 2:
                FollowUp.objects.create(
                    rating=rating,
                    department=case.lead_department,
                    due_date=today,
                    # Some closing times after now, as a clock ahead (or the bench) makes them.
                    closed_at=rated + datetime.timedelta(days=1) if rng.random() < 0.5 else None,
                )
    return {
        "today": today,
        "first": first,
        "departments": departments,
        "boards": boards,
        "town": town,
    }


def scopes(generated) -> list[Scope]:
    today, first = generated["today"], generated["first"]
    year = Scope(start=today - datetime.timedelta(days=364), end=today)
    return [
        year,
        Scope(start=first + datetime.timedelta(days=10), end=today),
        Scope(start=first + datetime.timedelta(days=5), end=today - datetime.timedelta(days=7)),
        Scope(start=today, end=today),
        Scope(start=year.start, end=today, department_id=generated["departments"][0].id),
        Scope(start=year.start, end=today, board_id=generated["boards"][1].id),
        Scope(start=year.start, end=today, matter_id=Case.objects.first().matter_id),
        Scope(start=year.start, end=today, hall_id=generated["town"].id),
        Scope(
            start=first + datetime.timedelta(days=5),
            end=today - datetime.timedelta(days=7),
            hall_id=generated["town"].id,
            board_id=generated["boards"][0].id,
        ),
    ]


def test_backfilled_summary_equals_recount(generated):
    expected = [recount(scope) for scope in scopes(generated)]
    call_command("supervision_summary", chunk_days=7, verbosity=0)
    state = SupervisionSummaryState.objects.get()
    assert state.covered_to == generated["today"] - datetime.timedelta(days=1)
    assert SupervisionDaily.objects.exists()
    assert [figures_of(supervision_figures(scope)) for scope in scopes(generated)] == expected
    assert expected[0][0][1]["open_followups"] > 0
    assert expected[0][0][1]["cases_at_nearest_hall"] > 0
    assert expected[0][0][1]["cross_hall_pickups"] > 0


def sums(rows, *grain, by_month: bool = False) -> dict:
    counts = [f.name for f in SupervisionDaily._meta.concrete_fields if f.name not in DAILY_GRAIN]
    totals: dict[tuple, list] = defaultdict(lambda: [0] * len(counts))
    for row in rows.values("day", *grain, *counts):
        day = row["day"].replace(day=1) if by_month else row["day"]
        key = (day, *(row[name] for name in grain))
        totals[key] = [a + row[name] for a, name in zip(totals[key], counts, strict=True)]
    return {key: value for key, value in totals.items() if any(value)}


def test_rollup_rows_equal_the_full_grain_summed(generated):
    call_command("supervision_summary", chunk_days=7, verbosity=0)
    days, months = (SupervisionRollupDaily.objects.filter(month=month) for month in (False, True))
    over_halls = ("lead_department_id", "matter_id", "bundle_id")
    assert days.filter(per_hall=False, hall__isnull=False).count() == 0
    assert days.filter(per_hall=True, lead_department__isnull=False).count() == 0
    assert sums(days.filter(per_hall=False), *over_halls) == sums(
        SupervisionDaily.objects, *over_halls
    )
    per_hall = sums(days.filter(per_hall=True), "hall_id")
    assert per_hall == sums(SupervisionDaily.objects, "hall_id")
    assert {hall for _day, hall in per_hall} == {None, *Case.objects.values_list("hall", flat=True)}
    # Fewer rows than the full grain.
    assert days.filter(per_hall=False).count() < SupervisionDaily.objects.count()
    # A month row: its days' sum (the backfill's weeks cut months in two).
    assert {day.day for day in months.values_list("day", flat=True)} == {1}
    for per_hall, grain in ((False, over_halls), (True, ("hall_id",))):
        assert sums(months.filter(per_hall=per_hall), *grain) == sums(
            SupervisionDaily.objects, *grain, by_month=True
        )
    # Refreshing the last days again rebuilds their months' rows from every day of them.
    before = sums(months, "per_hall", *over_halls, "hall_id")
    today = generated["today"]
    call_command(
        "supervision_summary",
        "--from",
        str(today - datetime.timedelta(days=3)),
        "--to",
        str(today),
        verbosity=0,
    )
    assert sums(months, "per_hall", *over_halls, "hall_id") == before


def test_summary_equals_recount_after_changes_since_the_refresh(generated):
    today = generated["today"]
    # Summary up to 10 days ago: the last days come from the cases.
    call_command(
        "supervision_summary",
        "--from",
        str(generated["first"] + datetime.timedelta(days=15)),
        "--to",
        str(today - datetime.timedelta(days=10)),
        verbosity=0,
    )
    still_open = FollowUp.objects.filter(closed_at__isnull=True).order_by("id").first()
    FollowUp.objects.filter(pk=still_open.pk).update(closed_at=timezone.now())
    decided = Case.objects.filter(decided_at__isnull=False, rating__isnull=True).first()
    rating = Rating.objects.create(case=decided, score=1, channel=Channel.ONLINE)
    FollowUp.objects.create(rating=rating, department=decided.lead_department, due_date=today)
    for scope in scopes(generated):
        assert figures_of(supervision_figures(scope)) == recount(scope), scope


def people_of(scope: Scope) -> dict:
    figures = window_staff_figures(scope)
    return {
        "windows": sorted(figures["windows"], key=lambda row: row["number"]),
        "staff": sorted(figures["staff"], key=lambda row: row["name"]),
    }


def people_recount(scope: Scope) -> dict:
    with transaction.atomic():
        SupervisionSummaryState.objects.all().delete()
        figures = people_of(scope)
        transaction.set_rollback(True)
    return figures


@pytest.fixture
def served(generated):
    """The generated hall's trips served by four clerks, and queue tickets at three windows:
    some without a case, some of the same case at the same window on two days, some recalled."""
    rng = random.Random(6)
    clerks = [UserFactory(clerk=True, name=f"窗口人员{n}") for n in range(4)]
    windows = [Window.objects.create(number=n + 1, name=f"{n + 1}号窗口") for n in range(3)]
    for visit in Visit.objects.order_by("id"):
        # A clerk who served the case before serves it again half the time.
        visit.clerk = clerks[(visit.case_id + rng.randint(0, 1) * rng.randint(0, 3)) % 4]
        visit.save(update_fields=["clerk"])
    cases = list(Case.objects.order_by("id"))
    sequences: dict[tuple, int] = defaultdict(int)
    for n in range(300):
        case = rng.choice(cases + [None] * 60)
        day = (
            timezone.localtime(case.submitted_at).date() + datetime.timedelta(rng.randint(0, 3))
            if case
            else generated["today"] - datetime.timedelta(days=rng.randint(0, DAYS))
        )
        day = min(day, generated["today"])
        board = generated["boards"][n % 2]
        sequences[(board.id, day)] += 1
        taken = at(day, rng)
        called = rng.random() < 0.9
        ticket = Ticket.objects.create(
            board=board,
            date=day,
            sequence=sequences[(board.id, day)],
            number=f"{board.letter}{sequences[(board.id, day)]:03d}",
            window=rng.choice(windows) if called or rng.random() < 0.3 else None,
            case=case,
            status=rng.choice(["done", "done", "no_show"]) if called else "waiting",
            called_at=taken + datetime.timedelta(minutes=rng.randint(1, 90)) if called else None,
        )
        Ticket.objects.filter(pk=ticket.pk).update(created_at=taken)
        if called:
            for _ in range(rng.choice([1, 1, 1, 2])):
                TicketEvent.objects.create(
                    ticket=ticket, action="call", to_status="called", actor=rng.choice(clerks)
                )
    return generated


def test_people_from_the_summary_equal_a_recount(served):
    expected = [people_recount(scope) for scope in scopes(served)]
    assert expected[0]["windows"] and expected[0]["staff"]
    # Some cases served twice by the same clerk in the year, counted once.
    year = expected[0]["staff"]
    assert sum(row["cases"] for row in year) < sum(row["visits"] for row in year)
    call_command("supervision_summary", chunk_days=7, verbosity=0)
    assert SupervisionPeopleDaily.objects.exists()
    assert [people_of(scope) for scope in scopes(served)] == expected


def test_people_equal_a_recount_with_part_of_the_range_summarised(served):
    today = served["today"]
    call_command(
        "supervision_summary",
        "--from",
        str(served["first"] + datetime.timedelta(days=15)),
        "--to",
        str(today - datetime.timedelta(days=10)),
        verbosity=0,
    )
    for scope in scopes(served):
        assert people_of(scope) == people_recount(scope), scope
