"""Every (status, action) of tickets and appointments, allowed or refused; a refusal changes
nothing. The rules live only in the django-fsm transitions of ``Ticket`` and ``Appointment``."""

import datetime

import pytest
from django.utils import timezone
from django_fsm import can_proceed

from accounts.exceptions import DomainError
from cases.models import fsm_sources
from tests.factories import BoardFactory, UserFactory
from windows.models import (
    Appointment,
    AppointmentStatus,
    Slot,
    Ticket,
    TicketStatus,
    Window,
)
from windows.services import (
    appointment_cancel,
    appointment_check_in,
    ticket_call_next,
    ticket_done,
    ticket_no_show,
    ticket_recall,
    ticket_serve,
    ticket_take,
    ticket_transfer,
)

pytestmark = pytest.mark.django_db

ALLOWED_TICKET = {
    ("waiting", "call"),
    ("called", "recall"),
    ("called", "no_show"),
    ("called", "serve"),
    ("serving", "serve"),
    ("called", "done"),
    ("serving", "done"),
    ("waiting", "transfer"),
    ("called", "transfer"),
    ("serving", "transfer"),
}


TICKET_ACTIONS = ["call", "recall", "no_show", "serve", "done", "transfer"]


def test_the_state_machine_says_what_the_workflow_docstring_says():
    transitions = Ticket.status.field.get_all_transitions(Ticket)
    table = {(t.source, t.name) for t in transitions}
    assert table == ALLOWED_TICKET
    assert {name for _status, name in table} == set(TICKET_ACTIONS)


@pytest.mark.parametrize("action", TICKET_ACTIONS)
@pytest.mark.parametrize("status", TicketStatus.values)
def test_can_proceed_is_the_table(status, action):
    ticket = Ticket(status=status)
    assert can_proceed(getattr(ticket, action)) is ((status, action) in ALLOWED_TICKET)


@pytest.fixture
def window():
    board = BoardFactory(letter="A")
    other = BoardFactory(letter="B")
    window = Window.objects.create(number=2, name="窗口", clerk=UserFactory(clerk=True))
    window.boards.add(board)
    window.other_board = other
    return window


def _run(action, ticket, window):
    by = window.clerk
    return {
        "call": lambda: ticket_call_next(window=window, by=by),
        "recall": lambda: ticket_recall(ticket=ticket, by=by),
        "no_show": lambda: ticket_no_show(ticket=ticket, by=by),
        "serve": lambda: ticket_serve(ticket=ticket, by=by),
        "done": lambda: ticket_done(ticket=ticket, by=by),
        "transfer": lambda: ticket_transfer(ticket=ticket, to_board=window.other_board, by=by),
    }[action]()


@pytest.mark.parametrize("action", TICKET_ACTIONS)
@pytest.mark.parametrize("status", TicketStatus.values)
def test_every_ticket_status_and_action(window, status, action):
    ticket = ticket_take(board=window.boards.get())
    Ticket.objects.filter(pk=ticket.pk).update(status=status, window=window)
    events = ticket.events.count()
    if (status, action) in ALLOWED_TICKET:
        result = _run(action, ticket, window)
        if action == "call":
            assert result == ticket
        ticket.refresh_from_db()
        assert ticket.events.count() > events or (status, action) == ("serving", "serve")
    elif action == "call":
        # Call-next passes over a ticket that is not waiting (it may close it if it was the
        # window's current one, which is call-next's own rule).
        assert _run(action, ticket, window) is None
    else:
        with pytest.raises(DomainError):
            _run(action, ticket, window)
        ticket.refresh_from_db()
        assert ticket.status == status
        assert ticket.events.count() == events


@pytest.fixture
def appointment():
    day = timezone.localdate()
    slot = Slot.objects.create(
        board=BoardFactory(letter="C"),
        date=day,
        start=datetime.time(0, 0),
        end=datetime.time(23, 59, 59),
        capacity=3,
    )
    return Appointment.objects.create(slot=slot, user=UserFactory(citizen=True))


APPOINTMENT_ALLOWED = {("booked", "cancel"), ("booked", "check_in"), ("booked", "no_show")}


def test_the_appointment_state_machine_is_the_docstring():
    transitions = Appointment.status.field.get_all_transitions(Appointment)
    assert {(t.source, t.name) for t in transitions} == APPOINTMENT_ALLOWED


@pytest.mark.parametrize("action", ["cancel", "check_in"])
@pytest.mark.parametrize("status", AppointmentStatus.values)
def test_every_appointment_status_and_action(appointment, status, action):
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    run = {
        "cancel": lambda: appointment_cancel(appointment=appointment, by=appointment.user),
        "check_in": lambda: appointment_check_in(appointment=appointment),
    }[action]
    allowed = status in fsm_sources(Appointment, action)
    assert allowed is (status == "booked")
    if allowed:
        run()
        appointment.refresh_from_db()
        assert appointment.status == {"cancel": "cancelled", "check_in": "checked_in"}[action]
    elif action == "cancel" and status == "cancelled":
        run()  # cancelling twice is a no-op
        appointment.refresh_from_db()
        assert appointment.status == "cancelled"
    else:
        with pytest.raises(DomainError):
            run()
        appointment.refresh_from_db()
        assert appointment.status == status
        assert not Ticket.objects.exists()
