"""The daily summary gives the same figures as the cases, and is safe to rebuild."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Visit
from hall.models import (
    SupervisionDaily,
    SupervisionPeopleDaily,
    SupervisionRollupDaily,
    SupervisionSummaryState,
)
from hall.supervision.selectors import Scope, collect, supervision_figures, window_staff_figures
from hall.supervision.summary import (
    supervision_summary_refresh,
    supervision_summary_refresh_recent,
)
from tests.factories import UserFactory

from .conftest import END, START, day, make_case

WIDE = Scope(start=datetime.date(2026, 1, 1), end=END)


def figures_of(dashboard):
    return (
        dashboard.total.summary(),
        [(f.label, f.summary()) for f in dashboard.by_department],
        [(f.label, f.summary()) for f in dashboard.by_matter],
    )


def test_summary_equals_live_figures(hall):
    live = figures_of(supervision_figures(Scope(start=START, end=END)))
    live_wide = figures_of(supervision_figures(WIDE))
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 15))
    assert SupervisionDaily.objects.exists()
    # Part summarised (03-03..03-15), part read from the cases (03-16..03-31, 01-01..02-28).
    assert figures_of(supervision_figures(Scope(start=START, end=END))) == live
    assert figures_of(supervision_figures(WIDE)) == live_wide


def test_refresh_twice_writes_the_same_rows(hall):
    march = {"start": datetime.date(2026, 3, 1), "end": datetime.date(2026, 3, 31)}
    tables = (SupervisionDaily, SupervisionRollupDaily, SupervisionPeopleDaily)
    first = supervision_summary_refresh(**march)
    rows = [model.objects.count() for model in tables]
    second = supervision_summary_refresh(**march)
    assert [model.objects.count() for model in tables] == rows
    assert first == second == sum(rows)
    assert rows[0] and rows[1]
    state = SupervisionSummaryState.objects.get()
    assert (state.covered_from, state.covered_to) == (march["start"], march["end"])


def test_refresh_never_summarises_today(hall):
    today = datetime.date.today()
    supervision_summary_refresh_recent(today=today)
    state = SupervisionSummaryState.objects.get()
    assert state.covered_to == today - datetime.timedelta(days=1)


def test_summary_picks_up_a_rebuilt_day(hall):
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    make_case(
        hall["m2"],
        hall["b"],
        submitted="03-05",
        accepted="03-05",
        deadline="03-05",
        decided="03-05",
    )
    stale = supervision_figures(Scope(start=START, end=END)).total.received
    supervision_summary_refresh(start=datetime.date(2026, 3, 5), end=datetime.date(2026, 3, 5))
    assert supervision_figures(Scope(start=START, end=END)).total.received == stale + 1
    assert collect(Scope(start=START, end=END), by_day=True)


def test_summary_is_read_once_until_the_next_refresh(hall):
    """Loads after the first take the summarised days from the cache (figures, open
    follow-ups, queues, windows and staff); the refresh that rebuilds a day shows on the next
    load."""
    clerk = UserFactory(name="钱窗口")
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    scope = Scope(start=START, end=END)
    first, people = figures_of(supervision_figures(scope)), window_staff_figures(scope)
    with CaptureQueriesContext(connection) as again:
        assert figures_of(supervision_figures(scope)) == first
        assert window_staff_figures(scope) == people
    summary_reads = [
        query["sql"]
        for query in again.captured_queries
        if "hall_supervision" in query["sql"] and "hall_supervisionsummarystate" not in query["sql"]
    ]
    assert summary_reads == []

    case = make_case(
        hall["m2"],
        hall["b"],
        submitted="03-05",
        accepted="03-05",
        deadline="03-05",
        decided="03-05",
    )
    Visit.objects.create(case=case, date=day("03-05"), kind="intake", clerk=clerk)
    supervision_summary_refresh(start=datetime.date(2026, 3, 5), end=datetime.date(2026, 3, 5))
    assert supervision_figures(scope).total.received == first[0]["cases_received"] + 1
    staff = {row["name"]: row for row in window_staff_figures(scope)["staff"]}
    assert staff["钱窗口"]["visits"] == 1


def test_summarised_query_count_is_small(hall):
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    with CaptureQueriesContext(connection) as queries:
        supervision_figures(Scope(start=START, end=END))
    assert len(queries) <= 11


def test_nightly_refresh_summarises_the_history_not_yet_summarised(hall):
    """A hall that never ran the backfill command: the nightly task covers every closed day
    from the first case on, so a long range no longer reads the cases."""
    today = datetime.date.today()
    supervision_summary_refresh_recent(today=today)
    state = SupervisionSummaryState.objects.get()
    assert state.covered_from == datetime.date(2026, 1, 5)  # c7, the first case
    assert state.covered_to == today - datetime.timedelta(days=1)
    assert SupervisionDaily.objects.filter(day__lt=START).exists()
