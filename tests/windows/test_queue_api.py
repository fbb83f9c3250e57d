"""The queue API and pages: status codes, permissions, the board's constant query count."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import BoardFactory, UserFactory
from tests.identities import make_id_number, make_mobile
from windows.models import Ticket, TicketStatus, Window
from windows.selectors import window_of
from windows.services import ticket_call_next, ticket_take


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


@pytest.fixture
def window(board):
    window = Window.objects.create(number=5, name="不动产窗口", clerk=UserFactory(clerk=True))
    window.boards.add(board)
    return window


def test_take_ticket(board):
    ticket_take(board=board)
    response = APIClient().post(
        "/api/v1/tickets/",
        {"board": "realty", "id_number": make_id_number(), "phone": make_mobile()},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["number"] == "A002"
    assert data["board"] == "realty"
    assert data["ahead"] == 1
    assert data["estimated_wait_minutes"] == 8


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"board": "nope"},
        {"board": "realty", "id_number": "123"},
        {"board": "realty", "phone": "12"},
    ],
)
def test_take_ticket_invalid(board, payload):
    response = APIClient().post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_call_next_status_codes(board, window):
    url = f"/api/v1/windows/{window.number}/call-next/"
    assert APIClient().post(url).status_code in (401, 403)
    other = APIClient()
    other.force_authenticate(UserFactory(clerk=True))
    assert other.post(url).status_code == 403
    citizen = APIClient()
    citizen.force_authenticate(UserFactory(citizen=True))
    assert citizen.post(url).status_code == 403
    mine = APIClient()
    mine.force_authenticate(window.clerk)
    assert mine.post(url).status_code == 204
    ticket_take(board=board)
    response = mine.post(url)
    assert response.status_code == 200
    assert response.json()["number"] == "A001"
    assert response.json()["window"] == window.number
    assert mine.post("/api/v1/windows/99/call-next/").status_code == 404


def test_board_api_and_constant_queries(board, window):
    client = APIClient()
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/board/").status_code == 200
    other = BoardFactory(letter="B")
    for _ in range(5):
        ticket_take(board=board)
        ticket_take(board=other)
    for _ in range(3):
        ticket_call_next(window=window, by=window.clerk)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/board/")
    assert len(many) == len(few) <= 3  # the hall, the calls, the waiting counts
    data = response.json()
    assert [call["ticket"] for call in data["calls"]] == ["A003", "A002", "A001"]
    assert data["calls"][0]["window"] == window.number
    waiting = {row["code"]: row["waiting"] for row in data["boards"]}
    assert waiting == {"realty": 2, other.code: 5}


def test_window_of(window):
    assert window_of(window.clerk)["number"] == window.number
    assert window_of(UserFactory(clerk=True)) is None


def test_kiosk_takes_a_ticket_and_shows_it(board):
    client = Client()
    assert client.get("/kiosk/").status_code == 200
    response = client.post(
        "/kiosk/", {"take-board": "realty", "take-id_number": "", "take-phone": ""}, follow=True
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "A001" in content and "不动产登记" in content
    assert Ticket.objects.get().status == TicketStatus.WAITING
    bad = client.post("/kiosk/", {"take-board": "realty", "take-phone": "123"})
    assert bad.status_code == 200 and Ticket.objects.count() == 1
    assert client.get("/kiosk/tickets/forged/").status_code == 404


def test_board_page(board):
    response = Client().get("/board/")
    assert response.status_code == 200
    assert b"/api/v1/board/" in response.content


def test_desk_panel_actions(board, window):
    client = Client()
    client.force_login(window.clerk)
    id_number = make_id_number()
    ticket_take(board=board, id_number=id_number)
    assert client.get("/desk/queue/").status_code == 200
    client.post("/desk/queue/call-next/")
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.CALLED
    page = client.get("/desk/queue/").content.decode()
    assert "A001" in page and id_number not in page and id_number[-4:] in page
    client.post("/desk/queue/serve/", {"ticket": ticket.pk})
    client.post("/desk/queue/done/", {"ticket": ticket.pk})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE
    citizen = Client()
    citizen.force_login(UserFactory(citizen=True))
    assert citizen.post("/desk/queue/call-next/").status_code == 403


def test_seed_windows_is_idempotent(board):
    from windows.demo import seed_windows

    clerk1 = UserFactory(clerk=True, username="clerk1")
    UserFactory(clerk=True, username="clerk2")
    created = seed_windows()
    assert created == 3
    assert seed_windows() == 0
    assert window_of(clerk1) == {
        "number": 1,
        "name": "全科窗口一",
        "generalist": True,
        "status": "open",
        "boards": [],
    }
    assert Window.objects.get(number=3).boards.get() == board
