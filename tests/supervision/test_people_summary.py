"""The figures per window and staff member read from the daily summary for closed days and
from the trips, tickets and ratings for today equal a count by hand; a case served again today
is not counted twice."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseStatus, Channel, Rating, Visit
from hall.models import SupervisionPeopleDaily
from hall.supervision.selectors import Scope, window_staff_figures
from hall.supervision.summary import supervision_summary_refresh
from halls.selectors import city_centre
from tests.factories import HallFactory, UserFactory
from windows.models import Ticket, TicketEvent, Window

TODAY = timezone.localdate()
ONE = datetime.timedelta(days=1)


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour, minute)),
        timezone.get_current_timezone(),
    )


def case_of(matter, department, submitted: datetime.date, number: str) -> Case:
    return Case.objects.create(
        number=number,
        matter=matter,
        lead_department=department,
        channel=Channel.WINDOW,
        applicant_kind="person",
        applicant_name="张三",
        applicant_phone="13800000000",
        status=CaseStatus.IN_REVIEW,
        committed_days=5,
        legal_days=20,
        submitted_at=moment(submitted),
        accepted_on=submitted,
    )


def rated(case: Case, score: int, day: datetime.date) -> None:
    rating = Rating.objects.create(case=case, score=score, channel=Channel.ONLINE)
    Rating.objects.filter(pk=rating.pk).update(created_at=moment(day, 15))


@pytest.fixture
def served(hall):
    """钱 serves case A three times (10 days ago, 3 days ago, today), 孙 serves B (40 days ago,
    out of the range, and today) and C (today). Window 5 calls A's tickets of 3 days ago and of
    today (recalled once) and a ticket without a case; window 6 calls B's ticket today."""
    town = HallFactory(code="xinjia", name="新嘉街道")
    qian = UserFactory(clerk=True, name="钱窗口", department=hall["a"])
    sun = UserFactory(clerk=True, name="孙窗口", department=hall["b"], hall=town)
    five = Window.objects.create(number=5, name="五号窗口")
    six = Window.objects.create(number=6, name="六号窗口")
    a = case_of(hall["m1"], hall["a"], ago(10), "P00000001")
    b = case_of(hall["m2"], hall["b"], ago(41), "P00000002")
    c = case_of(hall["m1"], hall["a"], TODAY, "P00000003")
    for case, day, clerk in (
        (a, ago(10), qian),
        (a, ago(3), qian),
        (a, TODAY, qian),
        (b, ago(40), sun),
        (b, TODAY, sun),
        (c, TODAY, sun),
    ):
        Visit.objects.create(case=case, date=day, kind="intake", clerk=clerk)
    rated(a, 5, ago(1))
    rated(b, 1, TODAY)
    sequence = iter(range(1, 100))

    def ticket(window, day, waited, by, case=None, status="done", calls=1):
        taken = moment(day, 9)
        number = next(sequence)
        made = Ticket.objects.create(
            board=hall["x"],
            date=day,
            sequence=number,
            number=f"A{number:03d}",
            window=window,
            case=case,
            status=status,
            called_at=taken + datetime.timedelta(minutes=waited),
        )
        Ticket.objects.filter(pk=made.pk).update(created_at=taken)
        for _ in range(calls):
            TicketEvent.objects.create(ticket=made, action="call", to_status="called", actor=by)

    ticket(five, ago(3), 10, qian, case=a)
    ticket(five, TODAY, 20, qian, case=a, calls=2)
    ticket(five, ago(2), 30, sun, status="no_show")
    ticket(six, TODAY, 6, sun, case=b)
    return {**hall, "town": town}


def hand() -> dict:
    """The figures of the last 30 days, counted by hand (the windows at the city centre)."""
    centre = city_centre().name
    return {
        "windows": [
            {
                "number": 5,
                "name": "五号窗口",
                "hall": centre,
                "tickets_called": 3,
                "tickets_served": 2,
                "cases": 1,  # A, on two days
                "mean_wait_minutes": 20.0,  # (10 + 20 + 30) / 3
                "ratings": 1,
                "satisfaction_rate": 1.0,
            },
            {
                "number": 6,
                "name": "六号窗口",
                "hall": centre,
                "tickets_called": 1,
                "tickets_served": 1,
                "cases": 1,
                "mean_wait_minutes": 6.0,
                "ratings": 1,
                "satisfaction_rate": 0.0,
            },
        ],
        "staff": [
            {
                "name": "孙窗口",
                "department": "乙局",
                "hall": "新嘉街道",
                "cases": 2,  # B (served before the range too) and C
                "visits": 2,
                "tickets_called": 2,
                "mean_wait_minutes": 18.0,  # (30 + 6) / 2
                "ratings": 1,
                "satisfaction_rate": 0.0,
            },
            {
                "name": "钱窗口",
                "department": "甲局",
                "hall": "",
                "cases": 1,  # A, served three times
                "visits": 3,
                "tickets_called": 2,
                "mean_wait_minutes": 16.7,  # (10 + 20 + 20) / 3 calls
                "ratings": 1,
                "satisfaction_rate": 1.0,
            },
        ],
    }


def test_from_the_trips_and_tickets_alone(served):
    assert window_staff_figures(Scope.default()) == hand()


def test_from_the_summary_and_today(served):
    supervision_summary_refresh(start=ago(60), end=ago(1))
    # Closed days summarised (three days ago: 钱's trip, 钱's call, window 5's ticket and the
    # city centre's queue; each again summed over the matters); today's read from the rows.
    assert SupervisionPeopleDaily.objects.filter(day=ago(3), whole=False).count() == 4
    assert SupervisionPeopleDaily.objects.filter(day=ago(3), whole=True).count() == 4
    assert not SupervisionPeopleDaily.objects.filter(day=TODAY).exists()
    assert window_staff_figures(Scope.default()) == hand()


def test_a_range_of_closed_days_only(served):
    supervision_summary_refresh(start=ago(60), end=ago(1))
    figures = window_staff_figures(Scope(start=ago(45), end=ago(1)))
    staff = {row["name"]: row for row in figures["staff"]}
    assert (staff["钱窗口"]["cases"], staff["钱窗口"]["visits"]) == (1, 2)
    assert (staff["孙窗口"]["cases"], staff["孙窗口"]["visits"]) == (1, 1)
    assert staff["孙窗口"]["ratings"] == 0  # B was rated today
    assert [row["number"] for row in figures["windows"]] == [5]
    assert figures["windows"][0]["tickets_called"] == 2


def test_filtered_by_department(served):
    supervision_summary_refresh(start=ago(60), end=ago(1))
    figures = window_staff_figures(Scope(start=ago(29), end=TODAY, department_id=served["b"].id))
    # The tickets and trips of 乙局's cases only: B's ticket at window 6 and trip today.
    assert [row["number"] for row in figures["windows"]] == [6]
    assert [(row["name"], row["cases"], row["tickets_called"]) for row in figures["staff"]] == [
        ("孙窗口", 1, 1)
    ]


def test_queries_do_not_grow_with_the_days_summarised(served):
    year = Scope(start=ago(365), end=TODAY)
    from_the_rows = window_staff_figures(year)
    assert from_the_rows["staff"][0]["visits"] == 3  # 孙's trip of 40 days ago is in the year
    supervision_summary_refresh(start=ago(365), end=ago(1))
    with CaptureQueriesContext(connection) as queries:
        assert window_staff_figures(year) == from_the_rows
    # State, summary, today's trips, tickets, calls, two kinds of ratings and the tickets per
    # hall, names (2).
    assert len(queries) == 10
    # The trips are read for today only.
    visits = [q["sql"] for q in queries if 'FROM "cases_visit"' in q["sql"]]
    assert visits and all(f"'{TODAY}'::date" in sql for sql in visits)


def test_filtered_by_hall(served):
    """The town's staff (孙) and the queue there: no window of the town called a ticket."""
    supervision_summary_refresh(start=ago(60), end=ago(1))
    figures = window_staff_figures(Scope(start=ago(29), end=TODAY, hall_id=served["town"].id))
    assert figures["windows"] == []
    assert figures["staff"] == [hand()["staff"][0]]
    assert figures["staff"][0]["name"] == "孙窗口"
