"""Kiosk check-in happens at the kiosk: by the booking's own code, or by ID number only on a
browser staff registered as a kiosk; a refusal never tells whether someone has a booking."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.utils import timezone

from notices.models import Notice
from tests.factories import BoardFactory, UserFactory
from tests.identities import make_id_number
from windows.kiosk import KIOSK_COOKIE, KIOSK_SALT
from windows.models import (
    BOOKING_CODE_ALPHABET,
    Appointment,
    AppointmentStatus,
    Kiosk,
    Slot,
    Ticket,
)
from windows.services import appointment_book, appointment_reminders_send

REFUSED = "未找到可在此时签到的预约"


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


@pytest.fixture
def booking(board):
    """A booking of today's all-day slot: it can check in now."""
    slot = Slot.objects.create(
        board=board,
        date=timezone.localdate(),
        start=datetime.time(0, 0),
        end=datetime.time(23, 59, 59),
        capacity=5,
    )
    return appointment_book(slot=slot, by=UserFactory(citizen=True))


@pytest.fixture
def hall_admin(db):
    user = UserFactory(clerk=True)
    user.user_permissions.add(Permission.objects.get(codename="add_kiosk"))
    return user


@pytest.fixture
def kiosk_client(hall_admin) -> Client:
    """A browser that the hall's staff registered as a kiosk, then signed out of."""
    client = Client()
    client.force_login(hall_admin)
    response = client.post("/desk/kiosk/", {"name": "一楼1号取号机"})
    assert response.status_code == 302 and response.url == "/kiosk/"
    device = client.cookies[KIOSK_COOKIE]
    assert device["httponly"]
    client.logout()  # the test client forgets every cookie here; a browser keeps this one
    client.cookies[KIOSK_COOKIE] = device.value
    return client


def _check_in(client: Client, **fields):
    data = {f"checkin-{name}": value for name, value in fields.items()}
    return client.post("/kiosk/", data)


def _page_without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _status(appointment: Appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


def test_id_number_away_from_a_kiosk_checks_nobody_in_and_reveals_nothing(booking):
    somebody = Client()
    theirs = _check_in(somebody, id_number=booking.user.id_number)
    nobodys = _check_in(somebody, id_number=make_id_number())
    wrong_code = _check_in(somebody, code="ABCD2345")
    assert theirs.status_code == nobodys.status_code == wrong_code.status_code == 200
    assert REFUSED in theirs.content.decode()
    assert _page_without_tokens(theirs) == _page_without_tokens(nobodys)
    assert _page_without_tokens(theirs) == _page_without_tokens(wrong_code)
    assert _status(booking) == AppointmentStatus.BOOKED
    assert not Ticket.objects.exists()
    # The ID-number field is offered only on a kiosk.
    assert "checkin-id_number" not in somebody.get("/kiosk/").content.decode()


def test_a_registered_kiosk_checks_in_by_id_number(kiosk_client, booking):
    assert "checkin-id_number" in kiosk_client.get("/kiosk/").content.decode()
    response = _check_in(kiosk_client, id_number=booking.user.id_number)
    assert response.status_code == 302 and response.url.startswith("/kiosk/tickets/")
    assert _status(booking) == AppointmentStatus.CHECKED_IN
    ticket = Ticket.objects.get()
    assert ticket.priority and ticket.appointment == booking
    # Someone without a booking gets the one answer, at the kiosk too.
    other = _check_in(kiosk_client, id_number=make_id_number())
    assert REFUSED in other.content.decode()


def test_a_deactivated_kiosk_is_a_browser_like_any_other(kiosk_client, booking):
    Kiosk.objects.update(active=False)
    response = _check_in(kiosk_client, id_number=booking.user.id_number)
    assert REFUSED in response.content.decode()
    assert _status(booking) == AppointmentStatus.BOOKED


@pytest.mark.parametrize(
    "cookie",
    [
        lambda kiosk: str(kiosk.pk),  # not signed
        lambda kiosk: signing.get_cookie_signer(salt="other").sign(str(kiosk.pk)),
        lambda kiosk: signing.get_cookie_signer(salt=KIOSK_COOKIE + KIOSK_SALT).sign("999999"),
    ],
)
def test_a_forged_kiosk_cookie_is_not_a_kiosk(booking, hall_admin, cookie):
    kiosk = Kiosk.objects.create(name="二楼取号机", registered_by=hall_admin)
    client = Client()
    client.cookies[KIOSK_COOKIE] = cookie(kiosk)
    response = _check_in(client, id_number=booking.user.id_number)
    assert REFUSED in response.content.decode()
    assert _status(booking) == AppointmentStatus.BOOKED


def test_the_bookings_own_code_checks_in_from_any_browser(booking):
    typed = " " + booking.code.lower()[:4] + "-" + booking.code.lower()[4:] + " "
    response = _check_in(Client(), code=typed)
    assert response.status_code == 302
    assert _status(booking) == AppointmentStatus.CHECKED_IN
    again = _check_in(Client(), code=booking.code)
    assert REFUSED in again.content.decode()
    assert Ticket.objects.count() == 1


def test_a_cancelled_bookings_code_no_longer_checks_in(booking):
    Appointment.objects.filter(pk=booking.pk).update(status=AppointmentStatus.CANCELLED)
    response = _check_in(Client(), code=booking.code)
    assert REFUSED in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_empty_check_in_asks_for_the_code(booking):
    response = _check_in(Client(), code="", id_number="")
    assert "请输入预约码" in response.content.decode()


def test_plain_tickets_stay_open_to_anyone(board):
    response = Client().post("/kiosk/", {"take-board": "realty"})
    assert response.status_code == 302
    assert Ticket.objects.get().number == "A001"


def test_codes_are_short_unguessable_and_distinct(board):
    slot = Slot.objects.create(
        board=board,
        date=timezone.localdate() + datetime.timedelta(days=1),
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=30,
    )
    codes = {appointment_book(slot=slot, by=UserFactory(citizen=True)).code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 8 and set(code) <= set(BOOKING_CODE_ALPHABET) for code in codes)


def test_the_code_is_shown_on_booking_and_in_the_reminder(board):
    from matters.calendar import add_working_days

    slot = Slot.objects.create(
        board=board,
        date=add_working_days(timezone.localdate(), 1),
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=2,
    )
    citizen = UserFactory(citizen=True)
    client = Client()
    client.force_login(citizen)
    shown = client.post("/appointments/", {"slot": slot.pk}, follow=True).content.decode()
    appointment = Appointment.objects.get(user=citizen)
    assert f"预约码 {appointment.code}" in shown
    assert appointment.code in client.get("/appointments/").content.decode()
    # Nobody else sees it.
    stranger = Client()
    stranger.force_login(UserFactory(citizen=True))
    assert appointment.code not in stranger.get("/appointments/").content.decode()
    appointment_reminders_send(today=timezone.localdate())
    reminder = Notice.objects.get(key=f"appointment:{appointment.pk}:reminder")
    assert appointment.code in reminder.text


@pytest.mark.parametrize("who", ["anonymous", "citizen", "clerk", "supervisor"])
def test_only_hall_staff_with_the_permission_register_a_kiosk(db, who):
    client = Client()
    if who != "anonymous":
        client.force_login(UserFactory(**{who: True}))
    response = client.post("/desk/kiosk/", {"name": "冒充的取号机"})
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.url
    else:
        assert response.status_code == 403
    assert KIOSK_COOKIE not in response.cookies
    assert not Kiosk.objects.exists()


def test_staff_can_make_the_browser_forget_it_is_a_kiosk(kiosk_client, hall_admin, booking):
    kiosk_client.force_login(hall_admin)
    page = kiosk_client.get("/desk/kiosk/").content.decode()
    assert "一楼1号取号机" in page
    kiosk_client.post("/desk/kiosk/", {"forget": "1"})
    assert not kiosk_client.cookies[KIOSK_COOKIE].value
    response = _check_in(kiosk_client, id_number=booking.user.id_number)
    assert REFUSED in response.content.decode()
    assert Kiosk.objects.get().registered_by == hall_admin


def test_registering_a_known_name_again_re_enables_that_kiosk(hall_admin, booking):
    Kiosk.objects.create(name="一楼1号取号机", active=False)
    client = Client()
    client.force_login(hall_admin)
    assert client.get("/desk/kiosk/").status_code == 200
    client.post("/desk/kiosk/", {"name": " 一楼1号取号机 "})
    kiosk = Kiosk.objects.get()
    assert kiosk.active and kiosk.registered_by == hall_admin
    assert client.post("/desk/kiosk/", {"name": ""}).status_code == 200  # asks for a name
    assert Kiosk.objects.count() == 1
    response = _check_in(client, id_number=booking.user.id_number)
    assert response.status_code == 302
    assert _status(booking) == AppointmentStatus.CHECKED_IN
