"""Issue 12's figures: the promise kept, trip exceptions, steps per case, and the figures per
window and staff member — on the figures, the summary table, the page and the API."""

import datetime

import pytest
from rest_framework.test import APIClient

from cases.events import CaseAction
from cases.models import CaseEvent, Visit
from hall.supervision.selectors import Scope, supervision_figures, window_staff_figures
from hall.supervision.summary import supervision_summary_refresh
from halls.selectors import city_centre
from tests.factories import MatterFactory, UserFactory
from windows.models import Ticket, TicketEvent, Window

from .conftest import END, START, at, day, make_case, rate

API = "/api/v1/supervision/summary/"
SCOPE = Scope(start=START, end=END)


def trips(case, *days):
    for value in days:
        Visit.objects.create(case=case, date=day(value), kind="intake")


def events(case, *actions):
    for action in actions:
        CaseEvent.objects.create(case=case, action=action, actor_role="approver")


@pytest.fixture
def promises(hall):
    """m0 promises no trip, m1 one, m3 (exception list) two with a published reason."""
    a, x = hall["a"], hall["x"]
    m0 = MatterFactory(
        code="m0", name="零跑事项", board=x, lead_department=a, max_trips=0, with_guide=False
    )
    m3 = MatterFactory(
        code="m3",
        name="例外事项",
        board=x,
        lead_department=a,
        max_trips=2,
        trips_exception_reason="须本人到场采集指纹并当面领取。",
        with_guide=False,
    )
    kept_zero = make_case(
        m0, a, submitted="03-05", accepted="03-05", deadline="03-12", decided="03-06"
    )
    missed_zero = make_case(
        m0, a, submitted="03-05", accepted="03-05", deadline="03-12", decided="03-06"
    )
    trips(missed_zero, "03-05")  # 跑零次 promised, one trip taken: a miss
    exception = make_case(
        m3, a, submitted="03-05", accepted="03-05", deadline="03-12", decided="03-09"
    )
    trips(exception, "03-05", "03-09")  # two trips, as published: kept, an exception
    beyond = make_case(
        m3, a, submitted="03-05", accepted="03-05", deadline="03-12", decided="03-11"
    )
    trips(beyond, "03-05", "03-09", "03-11")  # three of two: a miss
    events(
        exception,
        CaseAction.SUBMIT,  # not a handling step
        CaseAction.ACCEPT,
        CaseAction.REVIEW_APPROVE,
        CaseAction.REVIEW_APPROVE,
        CaseAction.CONCLUDE,
        CaseAction.RATING,  # not a handling step
    )
    events(kept_zero, CaseAction.ACCEPT, CaseAction.REVIEW_RETURN, CaseAction.CONCLUDE)
    return {**hall, "m0": m0, "m3": m3}


def test_promise_kept_by_matter(promises):
    matters = {f.label: f for f in supervision_figures(SCOPE).by_matter}
    assert matters["零跑事项"].promise_kept_rate == 0.5  # one trip on a 跑零次 matter: a miss
    assert matters["零跑事项"].one_trip_rate == 1.0  # both within one trip, all the same
    assert matters["例外事项"].promise_kept_rate == 0.5
    assert matters["例外事项"].exceptions == 1
    # The exception is not a failure of 最多跑一次; the case beyond its promise is.
    assert matters["例外事项"].one_trip_rate == 0.0
    assert matters["例外事项"].decided - matters["例外事项"].exceptions == 1
    assert matters["事项一"].promise_kept_rate == 0.5  # c2 took two trips


def test_promise_kept_by_department_and_total(promises):
    dashboard = supervision_figures(SCOPE)
    departments = {f.label: f for f in dashboard.by_department}
    # 甲局: c1 kept, c2 missed, kept_zero kept, missed_zero missed, exception kept, beyond missed.
    assert departments["甲局"].promise_kept_rate == 0.5
    assert departments["乙局"].promise_kept_rate == 1.0
    total = dashboard.total
    assert (total.decided, total.promise_kept, total.exceptions) == (7, 4, 1)
    assert total.one_trip_rate == round(4 / 6, 4)  # c1, c3, kept_zero, missed_zero of 7 - 1


def test_steps_per_case(promises):
    matters = {f.label: f for f in supervision_figures(SCOPE).by_matter}
    assert matters["例外事项"].steps == 4  # accept, two reviews, conclude
    assert matters["例外事项"].mean_steps == 2.0  # of two decided cases
    assert matters["零跑事项"].mean_steps == 1.5  # 3 steps over two cases


def test_summary_table_keeps_the_new_counts(promises):
    live = supervision_figures(SCOPE).total
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    summarised = supervision_figures(SCOPE).total
    assert (summarised.promise_kept, summarised.exceptions, summarised.steps) == (4, 1, 7)
    assert summarised.summary() == live.summary()


def test_page_shows_promise_and_steps(client, supervisor, promises):
    client.force_login(supervisor)
    page = client.get(f"/supervision/?start={START}&end={END}").content.decode()
    assert '<dd id="sv-promise-kept">57.1%</dd>' in page  # 4 of 7
    assert '<dd id="sv-mean-steps">1.0</dd>' in page  # 7 steps over 7 cases
    assert "承诺兑现率" in page and "件均经办环节" in page


def test_api_promise_kept_rate(supervisor, promises):
    api = APIClient()
    api.force_authenticate(supervisor)
    body = api.get(API, {"from": START, "to": END}).json()
    assert body["promise_kept_rate"] == 0.5714
    assert body["trips_exceptions"] == 1
    assert body["mean_steps"] == 1.0
    assert (
        api.get(API, {"from": START, "to": END, "board": "board_y"}).json()["promise_kept_rate"]
        == 1.0
    )


@pytest.fixture
def floor(hall):
    """Two windows and two clerks: tickets called with their waits, visits and ratings."""
    clerk = UserFactory(clerk=True, name="王窗口", department=hall["a"])
    other = UserFactory(clerk=True, name="赵窗口", department=hall["b"])
    w1 = Window.objects.create(number=1, name="综合窗口")
    w2 = Window.objects.create(number=2, name="社保窗口")
    case = make_case(
        hall["m1"],
        hall["a"],
        submitted="03-10",
        accepted="03-10",
        deadline="03-17",
        decided="03-12",
        applicant_id_number="330402198805123015",
    )
    Visit.objects.create(case=case, date=day("03-10"), kind="intake", clerk=clerk)
    Visit.objects.create(case=case, date=day("03-12"), kind="collect", clerk=clerk)
    rate(case, 5, "03-13")
    bad = make_case(
        hall["m2"],
        hall["b"],
        submitted="03-11",
        accepted="03-11",
        deadline="03-18",
        decided="03-13",
    )
    Visit.objects.create(case=bad, date=day("03-11"), kind="intake", clerk=other)
    rate(bad, 1, "03-14")

    def ticket(window, number, waited, case=None, by=None, status="done"):
        taken = at("03-10")
        made = Ticket.objects.create(
            board=hall["x"],
            date=day("03-10"),
            sequence=number,
            number=f"A{number:03d}",
            window=window,
            case=case,
            status=status,
            called_at=taken + datetime.timedelta(minutes=waited),
        )
        Ticket.objects.filter(pk=made.pk).update(created_at=taken)
        TicketEvent.objects.create(ticket=made, action="call", to_status="called", actor=by)
        return made

    ticket(w1, 1, 10, case=case, by=clerk)
    ticket(w1, 2, 20, by=clerk, status="no_show")
    ticket(w2, 3, 30, case=bad, by=other)
    return {"clerk": clerk, "other": other, "b": hall["b"]}


def test_figures_per_window_and_staff(floor):
    figures = window_staff_figures(SCOPE)
    windows = {row["number"]: row for row in figures["windows"]}
    assert windows[1] == {
        "number": 1,
        "name": "综合窗口",
        "hall": city_centre().name,  # a window's hall by default
        "tickets_called": 2,
        "tickets_served": 1,
        "cases": 1,
        "mean_wait_minutes": 15.0,
        "ratings": 1,
        "satisfaction_rate": 1.0,
    }
    assert windows[2]["satisfaction_rate"] == 0.0
    staff = {row["name"]: row for row in figures["staff"]}
    assert staff["王窗口"] == {
        "name": "王窗口",
        "department": "甲局",
        "hall": "",  # no hall given to this member of staff
        "cases": 1,
        "visits": 2,
        "tickets_called": 2,
        "mean_wait_minutes": 15.0,
        "ratings": 1,  # one rating, though two of the case's visits were theirs
        "satisfaction_rate": 1.0,
    }
    assert staff["赵窗口"]["mean_wait_minutes"] == 30.0
    assert [row["name"] for row in figures["staff"]] == ["王窗口", "赵窗口"]
    # Filtered by department: the tickets and visits of its cases only.
    only_b = window_staff_figures(Scope(start=START, end=END, department_id=floor["b"].id))
    assert [row["number"] for row in only_b["windows"]] == [2]
    assert [row["name"] for row in only_b["staff"]] == ["赵窗口"]


def test_page_and_api_show_windows_and_staff_without_applicant_data(client, supervisor, floor):
    client.force_login(supervisor)
    page = client.get(f"/supervision/?start={START}&end={END}").content.decode()
    assert "王窗口" in page and "综合窗口" in page and "按工作人员" in page
    assert "330402198805123015" not in page
    api = APIClient()
    api.force_authenticate(supervisor)
    body = api.get(API, {"from": START, "to": END}).json()
    assert [row["name"] for row in body["staff"]] == ["王窗口", "赵窗口"]
    assert body["windows"][0]["mean_wait_minutes"] == 15.0
    assert "330402198805123015" not in str(body)


def test_staff_table_download(client, supervisor, floor):
    client.force_login(supervisor)
    response = client.get(f"/supervision/export/staff.csv?start={START}&end={END}")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("工作人员,部门,网点,经办件数")
    assert text.splitlines()[1].startswith("王窗口,甲局,,1,2,2,15.0,1,100.0%")
