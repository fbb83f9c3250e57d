"""Permissions, the page, the API and the CSV/XLSX downloads."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Visit
from hall.supervision.summary import supervision_summary_refresh
from hall.supervision.views import PAGE_CASES
from tests.factories import UserFactory
from windows.models import Ticket, TicketEvent, Window

from .conftest import END, START, at, make_case, rate

RANGE = f"start={START}&end={END}"
API = "/api/v1/supervision/summary/"


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_anonymous_goes_to_login(client, db):
    response = client.get("/supervision/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("traits", [{"citizen": True}, {"clerk": True}, {"approver": True}])
def test_other_roles_are_refused(client, db, traits):
    client.force_login(UserFactory(**traits))
    assert client.get("/supervision/").status_code == 403
    assert client.get("/supervision/export/department.csv").status_code == 403


def test_superuser_sees_the_page(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/supervision/").status_code == 200


def test_page_shows_figures_chart_and_lists(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/?{RANGE}")
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["dashboard"].total.decided == 3
    assert "<svg" in page
    assert "甲局" in page
    assert hall["c7"].number in page  # overdue today as well (deadline 2026-03-20)
    assert "export/department.xlsx" in page


def test_page_filter_by_codes(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/?{RANGE}&department=dept_b&board=board_y")
    assert response.context["dashboard"].total.received == 1


def test_page_bad_dates(supervisor_client, db):
    response = supervisor_client.get("/supervision/?start=2026-03-10&end=2026-03-01")
    assert response.status_code == 400
    assert "end" in response.context["form"].errors


def test_csv_download(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/export/department.csv?{RANGE}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["部门", "受理件数", "办结件数"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["甲局"][1:3] == ["2", "2"]
    assert by_name["全部"][1:3] == ["3", "3"]


def test_xlsx_download(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/export/matter.xlsx?{RANGE}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "事项"
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["事项一"][1:3] == (2, 2)
    assert by_name["全部"][rows[0].index("平均跑动次数")] == 1.0


def test_case_list_download(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/export/overdue.csv?{RANGE}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Today (after March 2026) both open cases are past their deadline, earliest first.
    assert [row[0] for row in rows[1:]] == [hall["c7"].number, hall["c4"].number]


def test_unknown_table_is_404(supervisor_client, db):
    assert supervisor_client.get("/supervision/export/nothing.csv").status_code == 404


def test_api_summary(supervisor, hall):
    api = APIClient()
    api.force_authenticate(supervisor)
    response = api.get(API, {"from": START, "to": END})
    assert response.status_code == 200
    assert response.json()["cases_received"] == 3
    assert response.json()["mean_working_days"] == 3.3333
    filtered = api.get(API, {"from": START, "to": END, "department": "dept_b"}).json()
    assert filtered["cases_decided"] == 1
    assert api.get(API, {"from": START, "to": END, "board": "board_x"}).json()["cases_decided"] == 2


def test_api_bad_dates(supervisor, db):
    api = APIClient()
    api.force_authenticate(supervisor)
    response = api.get(API, {"from": "2026-13-01", "to": "nope", "department": "missing"})
    assert response.status_code == 400
    body = response.json()
    assert {"from", "to", "department"} <= set(body)
    assert body["code"] == "invalid"
    reversed_range = api.get(API, {"from": "2026-03-10", "to": "2026-03-01"})
    assert reversed_range.status_code == 400
    assert "to" in reversed_range.json()


def test_api_permissions(citizen, db):
    assert APIClient().get(API).status_code in (401, 403)
    api = APIClient()
    api.force_authenticate(citizen)
    assert api.get(API).status_code == 403


def more_of_everything(hall, copies: int) -> None:
    """``copies`` more cases of each kind: decided with visits served by a clerk (one of two),
    queue tickets called to a window (one of two) and bad ratings followed up, overdue and nearly
    due, on every day of the range to 03-28, for both matters and departments."""
    clerks = [
        User.objects.get_or_create(username=f"sv-clerk-{n}", defaults={"name": f"窗口{n}"})[0]
        for n in range(2)
    ]
    windows = [
        Window.objects.get_or_create(number=10 + n, defaults={"name": f"窗口{n}"})[0]
        for n in range(2)
    ]
    sequence = Ticket.objects.count()
    for n in range(copies):
        day = f"03-{3 + n % 26:02d}"
        for matter, department in ((hall["m1"], hall["a"]), (hall["m2"], hall["b"])):
            decided = make_case(
                matter, department, submitted=day, accepted=day, deadline="03-31", decided=day
            )
            clerk, window = clerks[n % 2], windows[n % 2]
            Visit.objects.create(case=decided, date=decided.accepted_on, kind="intake", clerk=clerk)
            ticket = Ticket.objects.create(
                board=matter.board,
                date=decided.accepted_on,
                sequence=sequence + 1,
                number=f"{matter.board.letter}{sequence + 1:03d}",
                window=window,
                case=decided,
                status="done",
                called_at=at(day),
            )
            sequence += 1
            TicketEvent.objects.create(
                ticket=ticket, action="call", to_status="called", actor=clerk
            )
            rate(decided, 1, day, follow_up_department=department)
            make_case(matter, department, submitted=day, accepted=day, deadline="03-20")
            make_case(
                matter,
                department,
                submitted=day,
                accepted=day,
                deadline="03-28",
                warning_on=datetime.date(2026, 3, 25),
            )


# The figures (20): savepoint, jit off, the summary's state and rows, the days after it from
# the cases (received, decided, materials, working days with the calendar, ratings), open
# follow-ups (count and changes since), the queue per hall (summary and the days after it),
# names (halls, departments, matters, boards). Both add the figures per window and staff
# member (10: the summary's state and rows, the days after it from the visits, tickets,
# calls, ratings per clerk and per window and tickets per hall, the windows' and staff
# members' names). The API adds the supervisor check; the page the session, user and check
# (3), the two lists, the queue (3), the form's choices (3) and the navigation's unread
# messages (1). Both add the fees paid and paid online (1, 网上缴费).
API_QUERIES = 32
PAGE_QUERIES = 43


@pytest.mark.parametrize("copies", [0, 40])
def test_query_count_does_not_grow_with_the_data(
    supervisor_client, supervisor, hall, copies, django_assert_max_num_queries
):
    more_of_everything(hall, copies)
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 25))
    with django_assert_max_num_queries(PAGE_QUERIES):
        page = supervisor_client.get(f"/supervision/?{RANGE}")
    assert page.context["dashboard"].total.received == 3 + 6 * copies
    if copies:
        assert len(page.context["overdue"]) == PAGE_CASES  # the rest in the download
        assert page.context["overdue_more"]
    api = APIClient()
    api.force_authenticate(supervisor)
    with django_assert_max_num_queries(API_QUERIES):
        summary = api.get(API, {"from": START, "to": END}).json()
    assert summary["open_followups"] == 1 + 2 * copies
    assert sum(row["visits"] for row in summary["staff"]) == 2 * copies
    assert sum(row["tickets_called"] for row in summary["windows"]) == 2 * copies
