"""Appointments: booking within capacity (also under concurrency), cancel, check-in,
no-shows and the reminder the working day before."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.exceptions import DomainError
from matters.calendar import add_working_days
from notices.models import Notice
from tests.factories import BoardFactory, UserFactory
from windows.exceptions import SlotFullError
from windows.models import Appointment, AppointmentStatus, Slot
from windows.services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_for_check_in,
    appointment_reminders_send,
    appointments_mark_no_show,
    slot_create,
)


@pytest.fixture
def board(db):
    return BoardFactory(letter="A")


def _next_working_day() -> datetime.date:
    return add_working_days(timezone.localdate(), 1)


@pytest.fixture
def slot(board):
    return slot_create(
        board=board,
        date=_next_working_day(),
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=2,
    )


def test_slots_only_on_working_days(board):
    day = _next_working_day()
    while day.weekday() < 5:
        day += datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        slot_create(
            board=board, date=day, start=datetime.time(9), end=datetime.time(10), capacity=1
        )


def test_book_until_full_then_cancel_frees_a_place(slot):
    first, second, third = (UserFactory(citizen=True) for _ in range(3))
    booked = appointment_book(slot=slot, by=first)
    with pytest.raises(DomainError):
        appointment_book(slot=slot, by=first)
    appointment_book(slot=slot, by=second)
    with pytest.raises(SlotFullError):
        appointment_book(slot=slot, by=third)
    with pytest.raises(DomainError):
        appointment_cancel(appointment=booked, by=second)
    appointment_cancel(appointment=booked, by=first)
    assert appointment_book(slot=slot, by=third).status == AppointmentStatus.BOOKED


def test_check_in_within_the_slot_gives_a_priority_ticket(slot):
    citizen = UserFactory(citizen=True)
    appointment = appointment_book(slot=slot, by=citizen)
    tz = timezone.get_current_timezone()
    early = datetime.datetime.combine(slot.date, datetime.time(8), tzinfo=tz)
    with pytest.raises(DomainError):
        appointment_check_in(appointment=appointment, at=early)
    at = datetime.datetime.combine(slot.date, datetime.time(8, 45), tzinfo=tz)
    assert appointment_for_check_in(id_number=citizen.id_number, at=at) == appointment
    ticket = appointment_check_in(appointment=appointment, at=at)
    assert ticket.priority and ticket.id_number == citizen.id_number
    assert ticket.number == "A001" and ticket.date == slot.date
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    with pytest.raises(DomainError):
        appointment_check_in(appointment=appointment, at=at)


def test_missed_bookings_become_no_shows(slot):
    missed = appointment_book(slot=slot, by=UserFactory(citizen=True))
    kept = appointment_book(slot=slot, by=UserFactory(citizen=True))
    tz = timezone.get_current_timezone()
    appointment_check_in(
        appointment=kept, at=datetime.datetime.combine(slot.date, datetime.time(9), tzinfo=tz)
    )
    during = datetime.datetime.combine(slot.date, datetime.time(9, 30), tzinfo=tz)
    assert appointments_mark_no_show(at=during) == 0
    after = datetime.datetime.combine(slot.date, datetime.time(10, 1), tzinfo=tz)
    assert appointments_mark_no_show(at=after) == 1
    assert appointments_mark_no_show(at=after) == 0
    missed.refresh_from_db()
    kept.refresh_from_db()
    assert (missed.status, kept.status) == ("no_show", "checked_in")


def test_reminder_once_the_working_day_before(slot):
    citizen = UserFactory(citizen=True)
    appointment = appointment_book(slot=slot, by=citizen)
    assert appointment_reminders_send(today=timezone.localdate()) == 1
    appointment_reminders_send(today=timezone.localdate())
    notices = Notice.objects.filter(key=f"appointment:{appointment.pk}:reminder")
    assert notices.count() == 1
    assert notices.get().address == citizen.phone


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_booking_never_exceeds_capacity():
    board = BoardFactory(letter="E")
    slot = Slot.objects.create(
        board=board,
        date=_next_working_day(),
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=3,
    )
    citizens = [UserFactory(citizen=True) for _ in range(10)]
    barrier = threading.Barrier(len(citizens))
    outcomes: list[str] = []

    def work(user):
        try:
            barrier.wait()
            appointment_book(slot=slot, by=user)
            outcomes.append("booked")
        except SlotFullError:
            outcomes.append("full")
        except BaseException as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] * 3 + ["full"] * 7
    assert Appointment.objects.filter(slot=slot).count() == 3


def test_booking_page(slot):
    citizen = UserFactory(citizen=True)
    client = Client()
    assert client.get("/appointments/").status_code == 302
    client.force_login(citizen)
    assert client.get("/appointments/").status_code == 200
    client.post("/appointments/", {"slot": slot.pk})
    appointment = Appointment.objects.get(user=citizen)
    page = client.get("/appointments/", {"board": slot.board.code}).content.decode()
    assert "1/2" in page
    client.post("/appointments/", {"cancel": appointment.pk})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
