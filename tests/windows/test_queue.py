"""The queue: numbering, call order, concurrent calls, transfers, no-shows, the near SMS."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Visit
from notices.models import Notice
from tests.factories import BoardFactory, UserFactory
from tests.identities import make_id_number, make_mobile
from windows.exceptions import TicketError, TicketTransitionError
from windows.models import Slot, Ticket, TicketEvent, TicketStatus, Window
from windows.services import (
    appointment_book,
    appointment_check_in,
    ticket_ahead,
    ticket_call_next,
    ticket_done,
    ticket_no_show,
    ticket_recall,
    ticket_serve,
    ticket_take,
    ticket_transfer,
)


@pytest.fixture
def board_a(db):
    return BoardFactory(letter="A", name="不动产登记", code="realty")


@pytest.fixture
def board_b(db):
    return BoardFactory(letter="B", name="社保医保", code="social")


@pytest.fixture
def window_clerk(db):
    return UserFactory(clerk=True)


@pytest.fixture
def window_a(board_a, window_clerk):
    window = Window.objects.create(number=3, name="不动产窗口", clerk=window_clerk)
    window.boards.add(board_a)
    return window


@pytest.fixture
def generalist(window_clerk):
    other = UserFactory(clerk=True)
    return Window.objects.create(number=1, name="全科窗口", generalist=True, clerk=other)


def test_numbers_run_per_board_per_day(board_a, board_b):
    first = ticket_take(board=board_a)
    second = ticket_take(board=board_a)
    other = ticket_take(board=board_b)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    next_day = ticket_take(board=board_a, at=tomorrow)
    assert [first.number, second.number, other.number] == ["A001", "A002", "B001"]
    assert next_day.number == "A001"
    assert next_day.date == first.date + datetime.timedelta(days=1)
    assert TicketEvent.objects.filter(ticket=first, action="take").exists()


def test_id_number_is_stored_normalized(board_a):
    id_number = make_id_number()
    ticket = ticket_take(board=board_a, id_number=id_number.lower(), phone=make_mobile())
    assert ticket.id_number == id_number.upper()


def test_call_order_fifo_and_only_the_windows_boards(board_a, board_b, window_a, window_clerk):
    b1 = ticket_take(board=board_b)
    a1 = ticket_take(board=board_a)
    a2 = ticket_take(board=board_a)
    assert ticket_call_next(window=window_a, by=window_clerk) == a1
    a1.refresh_from_db()
    assert (a1.status, a1.window, a1.called_at is not None) == ("called", window_a, True)
    assert ticket_call_next(window=window_a, by=window_clerk) == a2
    assert ticket_call_next(window=window_a, by=window_clerk) is None
    b1.refresh_from_db()
    assert b1.status == TicketStatus.WAITING


def test_generalist_calls_any_board(board_a, board_b, generalist):
    b1 = ticket_take(board=board_b)
    a1 = ticket_take(board=board_a)
    assert ticket_call_next(window=generalist, by=generalist.clerk) == b1
    assert ticket_call_next(window=generalist, by=generalist.clerk) == a1


def test_checked_in_appointments_are_called_first(board_a, window_a, window_clerk, citizen):
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    # Slots are made on working days by slot_create; today's is made directly for the test.
    slot = Slot.objects.create(
        board=board_a,
        date=now.date(),
        start=datetime.time(9),
        end=datetime.time(23, 59, 59),
        capacity=2,
    )
    walk_in = ticket_take(board=board_a, at=now)
    appointment = appointment_book(slot=slot, by=citizen)
    booked = appointment_check_in(appointment=appointment, at=now)
    assert booked.priority and booked.appointment == appointment
    assert ticket_ahead(booked) == 0
    assert ticket_ahead(walk_in) == 1
    assert ticket_call_next(window=window_a, by=window_clerk) == booked
    assert ticket_call_next(window=window_a, by=window_clerk) == walk_in


def test_only_the_clerk_at_the_window_calls(board_a, window_a, clerk):
    ticket_take(board=board_a)
    with pytest.raises(TicketError):
        ticket_call_next(window=window_a, by=clerk)


def test_recall_no_show_and_refusals(board_a, window_a, window_clerk):
    ticket = ticket_take(board=board_a)
    with pytest.raises(TicketTransitionError):
        ticket_no_show(ticket=ticket, by=window_clerk)
    ticket_call_next(window=window_a, by=window_clerk)
    ticket_recall(ticket=ticket, by=window_clerk)
    ticket = ticket_no_show(ticket=ticket, by=window_clerk)
    assert ticket.status == TicketStatus.NO_SHOW
    with pytest.raises(TicketTransitionError):
        ticket_recall(ticket=ticket, by=window_clerk)
    actions = list(ticket.events.values_list("action", "to_status"))
    assert actions == [
        ("take", "waiting"),
        ("call", "called"),
        ("recall", "called"),
        ("no_show", "no_show"),
    ]


def test_transfer_makes_a_waiting_ticket_on_the_other_board(
    board_a, board_b, window_a, window_clerk
):
    phone = make_mobile()
    ticket = ticket_take(board=board_a, phone=phone)
    ticket_call_next(window=window_a, by=window_clerk)
    new = ticket_transfer(ticket=ticket, to_board=board_b, by=window_clerk)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRANSFERRED
    assert (new.number, new.status, new.phone) == ("B001", "waiting", phone)
    assert new.transferred_from == ticket
    with pytest.raises(TicketError):
        ticket_transfer(ticket=new, to_board=board_b, by=window_clerk)
    with pytest.raises(TicketTransitionError):
        ticket_transfer(ticket=ticket, to_board=board_b, by=window_clerk)


def test_serving_links_the_case_and_records_the_trip(board_a, window_a, window_clerk, make_case):
    case = make_case("draft")
    ticket = ticket_take(board=board_a)
    ticket_call_next(window=window_a, by=window_clerk)
    ticket = ticket_serve(ticket=ticket, by=window_clerk, case=case)
    ticket_serve(ticket=ticket, by=window_clerk, case=case)
    assert ticket.status == TicketStatus.SERVING and ticket.case == case
    assert Visit.objects.filter(case=case).count() == 1
    ticket = ticket_done(ticket=ticket, by=window_clerk)
    assert ticket.status == TicketStatus.DONE and ticket.done_at is not None


def test_sms_once_when_three_are_ahead(
    board_a, window_a, window_clerk, django_capture_on_commit_callbacks
):
    phone = make_mobile()
    tickets = [ticket_take(board=board_a) for _ in range(4)]
    mine = ticket_take(board=board_a, phone=phone)
    assert ticket_ahead(mine) == 4
    assert not Notice.objects.filter(key=f"ticket:{mine.pk}:near").exists()
    ticket_call_next(window=window_a, by=window_clerk)
    assert Notice.objects.filter(key=f"ticket:{mine.pk}:near", address=phone).count() == 1
    ticket_no_show(ticket=tickets[0], by=window_clerk)
    ticket_call_next(window=window_a, by=window_clerk)
    assert Notice.objects.filter(key=f"ticket:{mine.pk}:near").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_call_next_never_gives_one_ticket_twice():
    board = BoardFactory(letter="C")
    windows = []
    for number in range(1, 9):
        window = Window.objects.create(
            number=number, name=f"窗口{number}", generalist=True, clerk=UserFactory(clerk=True)
        )
        windows.append(window)
    for _ in range(20):
        ticket_take(board=board)
    barrier = threading.Barrier(len(windows))
    called: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(window):
        try:
            barrier.wait()
            for _ in range(3):
                ticket = ticket_call_next(window=window, by=window.clerk)
                if ticket is not None:
                    with lock:
                        called.append(ticket.pk)
        except BaseException as error:  # reported below, in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in windows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(called) == 20
    assert len(set(called)) == 20
    # Each call closed the window's previous ticket: at most one stays called per window.
    assert Ticket.objects.exclude(status__in=(TicketStatus.CALLED, TicketStatus.DONE)).count() == 0
    for window in windows:
        assert Ticket.objects.filter(window=window, status=TicketStatus.CALLED).count() <= 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_takes_get_distinct_numbers():
    board = BoardFactory(letter="D")
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(5):
                numbers.append(ticket_take(board=board).number)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"D{n:03d}" for n in range(1, 31)]
