"""The dashboard's figures equal a hand count on the known hall of conftest.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hall.supervision.selectors import (
    Scope,
    cases_nearly_due,
    cases_overdue,
    supervision_figures,
)

from .conftest import END, START, TODAY, make_case


def test_hall_total_equals_hand_count(hall):
    total = supervision_figures(Scope(start=START, end=END)).total

    assert total.summary() == {
        "cases_received": 3,  # c2, c3, c4
        "cases_decided": 3,  # c1, c2, c3
        "one_trip_rate": 0.6667,  # c1 (1), c3 (0)
        "zero_trip_rate": 0.3333,  # c3
        "promise_kept_rate": 0.6667,  # m1 promises one trip: c2 (2) missed it
        "trips_exceptions": 0,
        "mean_steps": 0.0,  # no events recorded in this hall
        "mean_trips": 1.0,  # (1 + 2 + 0) / 3
        "mean_materials_brought": 1.6667,  # (2 + 3 + 0) / 3; licence not brought
        "materials_saved_by_data": 0,
        "materials_saved_by_locker": 0,
        "mean_working_days": 3.3333,  # (4 + (8 - 2) + 0) / 3
        "on_time_rate": 0.6667,  # c2 late
        "instant_share": 0.3333,  # c3 of c2, c3, c4
        "satisfaction_rate": 0.6667,  # 5, 4 of 5, 2, 4
        "open_followups": 1,
        # No hall has taken these cases in (Case.hall empty): neither at the centre nor nearer.
        "cases_at_city_centre": 0,
        "cases_at_nearest_hall": 0,
        "cross_hall_pickups": 0,
        "helper_cases": 0,
        "home_visit_cases": 0,
    }
    assert total.mean_materials_required == 2.3333  # (3 + 3 + 1) / 3
    assert total.mean_by_licence == 0.6667  # (1 + 0 + 1) / 3
    assert total.mean_committed_days == 3.3333  # (5 + 5 + 0) / 3
    assert total.mean_legal_days == 13.6667  # (20 + 20 + 1) / 3


def test_per_department_board_and_matter(hall):
    dashboard = supervision_figures(Scope(start=START, end=END))
    departments = {f.label: f for f in dashboard.by_department}
    assert (departments["甲局"].received, departments["甲局"].decided) == (2, 2)
    assert departments["甲局"].mean_trips == 1.5
    assert departments["甲局"].mean_working_days == 5.0  # (4 + 6) / 2
    assert departments["甲局"].on_time_rate == 0.5
    assert departments["甲局"].satisfaction_rate == 0.5
    assert departments["甲局"].open_followups == 1
    assert (departments["乙局"].received, departments["乙局"].decided) == (1, 1)
    assert departments["乙局"].instant_share == 1.0
    assert departments["乙局"].zero_trip_rate == 1.0

    boards = {f.label: f for f in dashboard.by_board}
    assert boards["甲板块"].decided == 2
    assert boards["乙板块"].decided == 1
    matters = {f.label: f for f in dashboard.by_matter}
    assert matters["事项一"].mean_materials_brought == 2.5
    assert matters["事项二"].mean_by_licence == 1.0


def test_filters(hall):
    by_department = supervision_figures(Scope(start=START, end=END, department_id=hall["b"].id))
    assert (by_department.total.received, by_department.total.decided) == (1, 1)
    by_board = supervision_figures(Scope(start=START, end=END, board_id=hall["x"].id))
    assert (by_board.total.received, by_board.total.decided) == (2, 2)
    by_matter = supervision_figures(Scope(start=START, end=END, matter_id=hall["m2"].id))
    assert by_matter.total.summary()["cases_decided"] == 1


def test_empty_range_gives_no_rates(hall):
    total = supervision_figures(Scope(start=END, end=END)).total
    assert total.received == 0
    assert total.one_trip_rate is None
    assert total.open_followups == 1  # open follow-ups count whatever the range


def test_red_and_yellow_lists(hall):
    scope = Scope(start=START, end=END)
    assert cases_overdue(scope, today=TODAY) == [hall["c7"]]
    assert cases_nearly_due(scope, today=TODAY) == [hall["c4"]]
    only_a = Scope(start=START, end=END, department_id=hall["a"].id)
    assert cases_overdue(only_a, today=TODAY) == []


def test_query_count_does_not_grow_with_data(hall):
    scope = Scope(start=START, end=END)
    with CaptureQueriesContext(connection) as before:
        supervision_figures(scope)
    for _ in range(20):
        make_case(
            hall["m2"],
            hall["b"],
            submitted="03-05",
            accepted="03-05",
            deadline="03-05",
            decided="03-05",
        )
    with CaptureQueriesContext(connection) as after:
        supervision_figures(scope)
    # 15, and the queue per hall from the tickets (1); the halls' names when a hall took cases in.
    assert len(after) == len(before) <= 16


@pytest.mark.parametrize("field", ["by_department", "by_board", "by_matter"])
def test_groups_add_up_to_the_total(hall, field):
    dashboard = supervision_figures(Scope(start=START, end=END))
    groups = getattr(dashboard, field)
    assert sum(f.received for f in groups) == dashboard.total.received
    assert sum(f.decided for f in groups) == dashboard.total.decided
