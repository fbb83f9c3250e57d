"""Call-next closes the window's current ticket first; one window calls one ticket at a time."""

import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import BoardFactory, UserFactory
from windows.exceptions import WindowBusyError
from windows.models import Ticket, TicketEvent, TicketStatus, Window
from windows.services import ticket_call_next, ticket_serve, ticket_take


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


@pytest.fixture
def window(board):
    window = Window.objects.create(number=5, name="不动产窗口", clerk=UserFactory(clerk=True))
    window.boards.add(board)
    return window


def _status(ticket: Ticket) -> str:
    ticket.refresh_from_db()
    return ticket.status


@pytest.mark.parametrize("serving", [False, True])
def test_call_next_finishes_the_current_ticket_with_its_event(board, window, serving):
    first, second = ticket_take(board=board), ticket_take(board=board)
    assert ticket_call_next(window=window, by=window.clerk) == first
    if serving:
        ticket_serve(ticket=first, by=window.clerk)
    assert ticket_call_next(window=window, by=window.clerk) == second
    first.refresh_from_db()
    assert first.status == TicketStatus.DONE and first.done_at is not None
    closing = first.events.get(action="done")
    assert closing.from_status == ("serving" if serving else "called")
    assert (closing.to_status, closing.actor, closing.window) == ("done", window.clerk, window)
    assert _status(second) == TicketStatus.CALLED


def test_the_last_ticket_is_closed_even_when_nobody_waits(board, window):
    only = ticket_take(board=board)
    ticket_call_next(window=window, by=window.clerk)
    desk = APIClient()
    desk.force_authenticate(window.clerk)
    response = desk.post(f"/api/v1/windows/{window.number}/call-next/")
    assert response.status_code == 204
    assert _status(only) == TicketStatus.DONE


def test_another_windows_ticket_is_left_alone(board, window):
    other = Window.objects.create(
        number=6, name="全科", generalist=True, clerk=UserFactory(clerk=True)
    )
    theirs, mine = ticket_take(board=board), ticket_take(board=board)
    assert ticket_call_next(window=other, by=other.clerk) == theirs
    assert ticket_call_next(window=window, by=window.clerk) == mine
    ticket_call_next(window=window, by=window.clerk)
    assert (_status(theirs), _status(mine)) == ("called", "done")


def test_a_refused_call_changes_nothing(board, window):
    first, second = ticket_take(board=board), ticket_take(board=board)
    ticket_call_next(window=window, by=window.clerk, current="")
    events = TicketEvent.objects.count()
    # The clerk's screen still showed no current ticket: a double submit.
    with pytest.raises(WindowBusyError):
        ticket_call_next(window=window, by=window.clerk, current="")
    assert (_status(first), _status(second)) == ("called", "waiting")
    assert TicketEvent.objects.count() == events
    # A stranger cannot close the window's ticket by calling.
    with pytest.raises(Exception, match="只有该窗口"):
        ticket_call_next(window=window, by=UserFactory(clerk=True))
    assert _status(first) == "called"


def test_api_answers_409_when_the_clerks_screen_is_out_of_date(board, window):
    first, second = ticket_take(board=board), ticket_take(board=board)
    desk = APIClient()
    desk.force_authenticate(window.clerk)
    url = f"/api/v1/windows/{window.number}/call-next/"
    assert desk.post(url, {"current": ""}, format="json").json()["number"] == first.number
    stale = desk.post(url, {"current": ""}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "window_changed"
    moved = desk.post(url, {"current": first.number}, format="json")
    assert moved.status_code == 200 and moved.json()["number"] == second.number
    assert (_status(first), _status(second)) == ("done", "called")


def test_the_desk_panel_double_submit_calls_one_ticket(board, window):
    first, second = ticket_take(board=board), ticket_take(board=board)
    client = Client()
    client.force_login(window.clerk)
    page = client.get("/desk/queue/").content.decode()
    assert 'name="current" value=""' in page
    client.post("/desk/queue/call-next/", {"current": ""})
    response = client.post("/desk/queue/call-next/", {"current": ""}, follow=True)
    assert "窗口当前的号已变化" in response.content.decode()
    assert (_status(first), _status(second)) == ("called", "waiting")
    page = client.get("/desk/queue/").content.decode()
    assert f'name="current" value="{first.number}"' in page
    client.post("/desk/queue/call-next/", {"current": first.number})
    assert (_status(first), _status(second)) == ("done", "called")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_window_calling_twice_at_once_calls_one_ticket_the_other_gets_409():
    board = BoardFactory(letter="F")
    window = Window.objects.create(number=9, name="窗口9", generalist=True)
    window.clerk = UserFactory(clerk=True)
    window.save()
    tickets = [ticket_take(board=board) for _ in range(3)]
    url = f"/api/v1/windows/{window.number}/call-next/"
    done = [threading.Event(), threading.Event()]
    answers: list = [None, None]

    def work(index: int) -> None:
        other = done[1 - index]

        def hold_the_window(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if "NOWAIT" in sql and "windows_window" in sql:
                # Holding the window's lock until the other call has answered makes the two
                # calls overlap, whichever thread the scheduler runs first.
                other.wait(timeout=10)
            return result

        client = APIClient()
        client.force_authenticate(window.clerk)
        try:
            with connection.execute_wrapper(hold_the_window):
                response = client.post(url)
            answers[index] = (response.status_code, response.json())
        except BaseException as error:  # reported below, in the main thread
            answers[index] = error
        finally:
            done[index].set()
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer[0] for answer in answers) == [200, 409], answers
    called, refused = sorted(answers, key=lambda answer: answer[0])
    assert called[1]["number"] == tickets[0].number
    assert refused[1]["code"] == "window_busy"
    statuses = [_status(ticket) for ticket in tickets]
    assert statuses == ["called", "waiting", "waiting"]
    assert TicketEvent.objects.filter(action="call").count() == 1
