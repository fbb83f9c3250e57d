"""Windows, tickets, the kiosk, the board and appointment slots belong to a hall: numbering per
hall, each hall's board and kiosk, windows operated only from their own hall, appointments per
hall, and every refusal."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from halls.models import HallLevel
from halls.selectors import city_centre
from matters.calendar import add_working_days
from notices.models import Notice
from tests.factories import BoardFactory, HallFactory, UserFactory
from windows.kiosk import KIOSK_COOKIE
from windows.models import (
    Appointment,
    AppointmentStatus,
    Kiosk,
    Slot,
    Ticket,
    TicketSequence,
    TicketStatus,
    Window,
)
from windows.services import (
    appointment_book,
    appointment_check_in_by,
    appointment_reminders_send,
    slots_open_for_days,
    ticket_call_next,
    ticket_take,
    ticket_transfer,
)

REFUSED = "未找到可在此时签到的预约"


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


@pytest.fixture
def other_board(db):
    return BoardFactory(letter="B", code="police", name="公安服务")


@pytest.fixture
def centre(db):
    return city_centre()


@pytest.fixture
def town(board):
    """A town centre with a queue serving the realty board only."""
    hall = HallFactory(code="xinjia", name="新嘉街道便民服务中心", address="新嘉路 66 号")
    hall.boards.set([board])
    return hall


@pytest.fixture
def village(board):
    hall = HallFactory(
        code="hehua",
        name="荷花村代办点",
        level=HallLevel.VILLAGE,
        has_windows=False,
        has_queue=False,
    )
    hall.boards.set([board])
    return hall


def _window(hall, number, *, clerk=None, boards=(), generalist=False):
    window = Window.objects.create(
        hall=hall,
        number=number,
        name=f"{number}号窗口",
        clerk=clerk or UserFactory(clerk=True, hall=hall),
        generalist=generalist,
    )
    window.boards.set(boards)
    return window


# Numbering -------------------------------------------------------------------------------


def test_two_halls_both_hand_out_a001_today(board, centre, town):
    first = [ticket_take(board=board).number for _ in range(2)]
    there = [ticket_take(hall=town, board=board).number for _ in range(3)]
    assert first == ["A001", "A002"]
    assert there == ["A001", "A002", "A003"]
    assert ticket_take(board=board).number == "A003"
    assert set(Ticket.objects.filter(hall=town).values_list("hall", flat=True)) == {town.pk}
    sequences = dict(TicketSequence.objects.values_list("hall_id", "last"))
    assert sequences == {centre.pk: 3, town.pk: 3}


def test_window_numbers_are_per_hall(board, centre, town):
    _window(centre, 1)
    _window(town, 1)  # the town's window 1 is another window
    with pytest.raises(IntegrityError), transaction.atomic():
        _window(town, 1)


def test_the_same_slot_time_at_two_halls(board, centre, town):
    day = add_working_days(timezone.localdate(), 1)
    times = {"date": day, "start": datetime.time(9), "end": datetime.time(10)}
    Slot.objects.create(hall=centre, board=board, **times)
    Slot.objects.create(hall=town, board=board, **times)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(hall=town, board=board, **times)


def test_a_hall_without_queue_or_the_board_refuses_tickets(board, other_board, town, village):
    with pytest.raises(Exception, match="不设排队叫号"):
        ticket_take(hall=village, board=board)
    with pytest.raises(Exception, match="不办理“公安服务”业务"):
        ticket_take(hall=town, board=other_board)
    assert not Ticket.objects.exists()
    assert not TicketSequence.objects.exists()


def test_transfer_stays_in_the_hall_and_only_to_its_boards(board, other_board, centre, town):
    town.boards.add(other_board)
    unserved = BoardFactory(letter="C", name="公积金")
    window = _window(town, 1, generalist=True)
    ticket_take(hall=town, board=board)
    called = ticket_call_next(window=window, by=window.clerk)
    with pytest.raises(Exception, match="不办理“公积金”业务"):
        ticket_transfer(ticket=called, to_board=unserved, by=window.clerk)
    called.refresh_from_db()
    assert called.status == TicketStatus.CALLED
    moved = ticket_transfer(ticket=called, to_board=other_board, by=window.clerk)
    assert (moved.hall, moved.number) == (town, "B001")


# POST /api/v1/tickets/ -------------------------------------------------------------------


def test_ticket_api_defaults_to_the_city_centre_and_names_the_hall(board, centre, town):
    response = APIClient().post("/api/v1/tickets/", {"board": "realty"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["hall"] == {"code": centre.code, "name": centre.name}
    assert response.json()["number"] == "A001"

    response = APIClient().post(
        "/api/v1/tickets/", {"hall": "xinjia", "board": "realty"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["hall"] == {"code": "xinjia", "name": "新嘉街道便民服务中心"}
    assert response.json()["number"] == "A001"
    assert response.json()["ahead"] == 0


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"hall": "nowhere", "board": "realty"}, "hall", "没有编码为 nowhere 的网点"),
        ({"hall": "hehua", "board": "realty"}, "hall", "荷花村代办点不设排队叫号"),
        ({"hall": "xinjia", "board": "police"}, "board", "不办理“公安服务”业务"),
        ({"hall": "closed", "board": "realty"}, "hall", "没有编码为 closed 的网点"),
    ],
)
def test_ticket_api_refusals(board, other_board, town, village, payload, field, words):
    HallFactory(code="closed", active=False)
    response = APIClient().post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert words in " ".join(body[field])
    assert not Ticket.objects.exists()


# The board -------------------------------------------------------------------------------


def test_a_halls_board_shows_only_its_calls_and_counts(board, other_board, centre, town):
    centre_window = _window(centre, 1, generalist=True)
    town_window = _window(town, 1, generalist=True)
    for _ in range(3):
        ticket_take(board=board)
        ticket_take(board=other_board)
        ticket_take(hall=town, board=board)
    ticket_call_next(window=centre_window, by=centre_window.clerk)
    ticket_call_next(window=town_window, by=town_window.clerk)
    ticket_call_next(window=town_window, by=town_window.clerk)

    there = APIClient().get("/api/v1/board/", {"hall": "xinjia"}).json()
    assert there["hall"] == {"code": "xinjia", "name": "新嘉街道便民服务中心"}
    assert [call["ticket"] for call in there["calls"]] == ["A002", "A001"]
    assert {row["code"]: row["waiting"] for row in there["boards"]} == {"realty": 1}

    here = APIClient().get("/api/v1/board/").json()
    assert here["hall"]["code"] == centre.code
    assert [call["ticket"] for call in here["calls"]] == ["A001"]
    assert {row["code"]: row["waiting"] for row in here["boards"]} == {
        "realty": 2,
        "police": 3,
    }


def test_board_api_unknown_hall(board):
    response = APIClient().get("/api/v1/board/", {"hall": "nowhere"})
    assert response.status_code == 400
    assert "没有编码为 nowhere 的网点" in response.json()["hall"][0]


def test_board_and_kiosk_pages_of_a_hall(board, other_board, centre, town, village):
    client = Client()
    page = client.get("/board/xinjia/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "新嘉街道便民服务中心" in html
    assert 'data-source="/api/v1/board/?hall=xinjia"' in html
    kiosk = client.get("/kiosk/xinjia/").content.decode()
    assert 'value="realty"' in kiosk and 'value="police"' not in kiosk
    assert "新嘉街道便民服务中心" in kiosk
    # /kiosk/ and /board/ stay the city centre's, with every board it serves.
    assert 'value="police"' in client.get("/kiosk/").content.decode()
    assert client.get("/board/").status_code == 200
    for url in ("/kiosk/nowhere/", "/board/nowhere/"):
        assert client.get(url).status_code == 404


def test_the_kiosk_and_board_of_a_hall_without_queue_refuse(board, village, town):
    client = Client()
    for url in ("/kiosk/hehua/", "/board/hehua/"):
        page = client.get(url)
        assert page.status_code == 404
        html = page.content.decode()
        assert "荷花村代办点不设排队叫号" in html
        assert "新嘉街道便民服务中心" in html  # where to go instead
    client.post("/kiosk/hehua/", {"form": "take", "take-board": "realty"})
    assert not Ticket.objects.exists()


def test_the_kiosk_takes_tickets_of_its_hall_for_its_boards_only(board, other_board, town):
    client = Client()
    refused = client.post("/kiosk/xinjia/", {"form": "take", "take-board": "police"})
    assert refused.status_code == 200
    assert "本网点不办理该板块的业务" in refused.content.decode()
    assert not Ticket.objects.exists()
    taken = client.post("/kiosk/xinjia/", {"form": "take", "take-board": "realty"})
    assert taken.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.hall, ticket.number) == (town, "A001")
    page = client.get(taken.url).content.decode()
    assert "新嘉街道便民服务中心" in page and 'href="/kiosk/xinjia/"' in page


# Windows of the clerk's hall -----------------------------------------------------------------


def test_call_next_uses_the_window_of_that_number_in_the_clerks_hall(board, centre, town):
    centre_window = _window(centre, 1, generalist=True)
    town_window = _window(town, 1, generalist=True)
    ticket_take(board=board)
    ticket_take(hall=town, board=board)
    api = APIClient()
    api.force_authenticate(town_window.clerk)
    response = api.post("/api/v1/windows/1/call-next/")
    assert response.status_code == 200
    called = Ticket.objects.get(status=TicketStatus.CALLED)
    assert (called.hall, called.window) == (town, town_window)
    # Only the town's tickets: the city centre's A001 is still waiting for its own window.
    assert api.post("/api/v1/windows/1/call-next/").status_code == 204
    assert Ticket.objects.get(hall=centre).status == TicketStatus.WAITING
    # The centre's clerk at the centre's window 1 calls the centre's ticket.
    api.force_authenticate(centre_window.clerk)
    assert api.post("/api/v1/windows/1/call-next/").json()["number"] == "A001"


def test_a_clerk_cannot_operate_another_halls_window(board, centre, town):
    clerk = UserFactory(clerk=True, hall=town)
    _window(town, 1, clerk=clerk, generalist=True)
    foreign = _window(centre, 7, clerk=clerk, generalist=True)  # named there, works here
    ticket_take(board=board)
    api = APIClient()
    api.force_authenticate(clerk)
    response = api.post("/api/v1/windows/7/call-next/")
    assert response.status_code == 403
    assert "只能操作本网点的窗口" in response.json()["detail"]
    assert api.post("/api/v1/windows/99/call-next/").status_code == 404
    # Nor through the desk: the panel is the window in their own hall, which calls its hall.
    client = Client()
    client.force_login(clerk)
    panel = client.get("/desk/queue/")
    assert "1号窗口" in panel.content.decode() and "7号窗口" not in panel.content.decode()
    client.post("/desk/queue/call-next/")
    assert Ticket.objects.get().status == TicketStatus.WAITING
    assert foreign.ticket_set.count() == 0


def test_the_service_never_calls_another_halls_ticket(board, centre, town):
    window = _window(town, 1, generalist=True)
    ticket_take(board=board)
    assert ticket_call_next(window=window, by=window.clerk) is None


def test_a_clerk_without_hall_works_at_the_city_centre(board, centre):
    window = _window(centre, 3, clerk=UserFactory(clerk=True), generalist=True)
    window.clerk.hall = None
    window.clerk.save(update_fields=["hall"])
    ticket_take(board=board)
    api = APIClient()
    api.force_authenticate(window.clerk)
    assert api.post("/api/v1/windows/3/call-next/").status_code == 200


# Kiosks and check-in -----------------------------------------------------------------------


def _booking(hall, board, citizen=None):
    slot = Slot.objects.create(
        hall=hall,
        board=board,
        date=timezone.localdate(),
        start=datetime.time(0, 0),
        end=datetime.time(23, 59, 59),
        capacity=5,
    )
    return appointment_book(slot=slot, by=citizen or UserFactory(citizen=True))


def _kiosk_client(hall, name) -> Client:
    staff = UserFactory(clerk=True, hall=hall)
    staff.user_permissions.add(Permission.objects.get(codename="add_kiosk"))
    client = Client()
    client.force_login(staff)
    response = client.post("/desk/kiosk/", {"name": name})
    assert response.status_code == 302
    device = client.cookies[KIOSK_COOKIE].value
    client.logout()
    client.cookies[KIOSK_COOKIE] = device
    return client, response


def test_registering_a_kiosk_records_the_clerks_hall(board, centre, town):
    _client, response = _kiosk_client(town, "新嘉1号取号机")
    assert response.url == "/kiosk/xinjia/"
    assert Kiosk.objects.get(name="新嘉1号取号机").hall == town
    _client, response = _kiosk_client(centre, "一楼1号取号机")
    assert response.url == "/kiosk/"
    assert Kiosk.objects.get(name="一楼1号取号机").hall == centre


def test_a_clerk_cannot_take_over_another_halls_kiosk_by_its_name(board, centre, town):
    _kiosk_client(centre, "一楼1号取号机")
    staff = UserFactory(clerk=True, hall=town)
    staff.user_permissions.add(Permission.objects.get(codename="add_kiosk"))
    client = Client()
    client.force_login(staff)
    page = client.post("/desk/kiosk/", {"name": "一楼1号取号机"})
    assert page.status_code == 200
    assert f"已登记在{centre.name}" in page.content.decode()
    assert Kiosk.objects.get(name="一楼1号取号机").hall == centre
    assert KIOSK_COOKIE not in client.cookies


def test_a_clerk_of_a_hall_without_queue_cannot_register_a_kiosk(board, village):
    staff = UserFactory(clerk=True, hall=village)
    staff.user_permissions.add(Permission.objects.get(codename="add_kiosk"))
    client = Client()
    client.force_login(staff)
    page = client.post("/desk/kiosk/", {"name": "荷花取号机"})
    assert page.status_code == 200
    assert "荷花村代办点不设排队叫号" in page.content.decode()
    assert not Kiosk.objects.exists()


def test_a_kiosk_checks_in_by_id_number_only_for_its_hall(board, centre, town):
    client, _response = _kiosk_client(town, "新嘉1号取号机")
    here = _booking(town, board)
    there = _booking(centre, board)
    refused = client.post("/kiosk/xinjia/", {"checkin-id_number": there.user.id_number})
    assert REFUSED in refused.content.decode()
    # On another hall's kiosk page the device is no kiosk: no check-in by ID number there.
    page = client.get("/kiosk/").content.decode()
    assert "checkin-id_number" not in page
    client.post("/kiosk/", {"checkin-id_number": there.user.id_number})
    there.refresh_from_db()
    assert there.status == AppointmentStatus.BOOKED

    taken = client.post("/kiosk/xinjia/", {"checkin-id_number": here.user.id_number})
    assert taken.status_code == 302
    ticket = Ticket.objects.get(appointment=here)
    assert (ticket.hall, ticket.number, ticket.priority) == (town, "A001", True)


def test_a_booking_code_checks_in_at_its_own_halls_kiosk_only(board, centre, town):
    booking = _booking(town, board)
    client = Client()
    refused = client.post("/kiosk/", {"checkin-code": booking.code})
    html = refused.content.decode()
    assert "该预约在新嘉街道便民服务中心" in html and "新嘉路 66 号" in html
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.BOOKED
    assert client.post("/kiosk/xinjia/", {"checkin-code": booking.code}).status_code == 302
    assert Ticket.objects.get(appointment=booking).hall == town


def test_check_in_service_refuses_another_hall(board, centre, town):
    booking = _booking(town, board)
    kiosk = Kiosk.objects.create(name="一楼", hall=centre)
    with pytest.raises(Exception, match=REFUSED):
        appointment_check_in_by(kiosk=kiosk, id_number=booking.user.id_number)
    with pytest.raises(Exception, match="请到该网点签到"):
        appointment_check_in_by(kiosk=kiosk, code=booking.code)
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.BOOKED


# Appointments per hall ---------------------------------------------------------------------


def _open(hall, board=None):
    day = add_working_days(timezone.localdate(), 1)
    return slots_open_for_days(
        hall=hall, boards=[board] if board else None, start=day, end=day, capacity=3
    )


def test_slots_are_opened_per_hall_for_its_boards(board, other_board, centre, town, village):
    assert _open(town) == 6  # the realty board only, six times a day
    assert _open(town) == 0
    assert _open(town, other_board) == 0  # a board it does not serve
    assert _open(village) == 0  # no queue, no slots
    assert _open(centre) == 12  # the city centre lists none: every board
    assert set(Slot.objects.filter(hall=town).values_list("board", flat=True)) == {board.pk}


def test_the_appointments_page_books_at_the_chosen_hall(board, other_board, centre, town, village):
    _open(centre)
    _open(town)
    citizen = UserFactory(citizen=True)
    client = Client()
    client.force_login(citizen)
    page = client.get("/appointments/").content.decode()
    assert 'value="xinjia"' in page and 'value="hehua"' not in page  # halls with a queue
    page = client.get("/appointments/", {"hall": "xinjia", "board": "realty"}).content.decode()
    assert "新嘉街道便民服务中心" in page and "新嘉路 66 号" in page
    slot = Slot.objects.filter(hall=town).order_by("start").first()
    assert f'name="slot" value="{slot.pk}"' in page
    centre_slot = Slot.objects.filter(hall=centre, board=board).order_by("start").first()
    assert f'value="{centre_slot.pk}"' not in page
    # A board the town does not serve is not offered there.
    refused = client.get("/appointments/", {"hall": "xinjia", "board": "police"})
    assert "请选择列表中的板块" in refused.content.decode()
    response = client.post("/appointments/", {"slot": slot.pk, "hall": "xinjia", "board": "realty"})
    assert response.status_code == 302 and "hall=xinjia" in response.url
    booking = Appointment.objects.get(user=citizen)
    assert booking.slot.hall == town
    mine = client.get(response.url).content.decode()
    assert "新嘉街道便民服务中心" in mine


def test_the_appointments_page_refuses_a_hall_without_queue(board, town, village):
    _open(town)
    client = Client()
    client.force_login(UserFactory(citizen=True))
    for code in ("hehua", "nowhere"):
        page = client.get("/appointments/", {"hall": code, "board": "realty"})
        assert page.status_code == 200
        html = page.content.decode()
        assert "请选择列表中的网点" in html
        assert 'name="slot"' not in html


def test_a_slot_of_a_hall_that_lost_its_queue_is_not_booked(board, town):
    _open(town)
    slot = Slot.objects.filter(hall=town).first()
    town.has_queue = False
    town.save(update_fields=["has_queue"])
    with pytest.raises(Exception, match="不接受预约"):
        appointment_book(slot=slot, by=UserFactory(citizen=True))
    assert not Appointment.objects.exists()


def test_reminders_and_queue_texts_name_the_hall(board, town):
    _open(town)
    citizen = UserFactory(citizen=True)
    appointment_book(slot=Slot.objects.filter(hall=town).first(), by=citizen)
    assert appointment_reminders_send() == 1
    text = Notice.objects.get(template="appointment_reminder").text
    assert "【新嘉街道便民服务中心】" in text and "新嘉路 66 号" in text

    for _ in range(4):
        ticket_take(hall=town, board=board, phone="13800000001")
    near = Notice.objects.filter(template="ticket_near").first()
    assert near is not None and near.text.startswith("【新嘉街道便民服务中心】")


def test_the_board_has_constant_queries_with_many_halls(
    board, other_board, centre, town, django_assert_max_num_queries
):
    client = APIClient()
    with django_assert_max_num_queries(3):  # the hall, the calls, the waiting counts
        assert client.get("/api/v1/board/", {"hall": "xinjia"}).status_code == 200
    for n in range(20):
        hall = HallFactory(code=f"town{n}")
        hall.boards.set([board, other_board])
        window = _window(hall, 1, generalist=True)
        for _ in range(3):
            ticket_take(hall=hall, board=board)
            ticket_take(hall=hall, board=other_board)
        ticket_call_next(window=window, by=window.clerk)
    window = _window(town, 1, generalist=True)
    for _ in range(4):
        ticket_take(hall=town, board=board)
    ticket_call_next(window=window, by=window.clerk)
    with django_assert_max_num_queries(3):
        data = client.get("/api/v1/board/", {"hall": "xinjia"}).json()
    assert [call["ticket"] for call in data["calls"]] == ["A001"]
    assert data["boards"] == [{"code": "realty", "name": "不动产登记", "letter": "A", "waiting": 3}]
    with django_assert_max_num_queries(3):
        page = Client().get("/board/xinjia/")
    assert page.status_code == 200
