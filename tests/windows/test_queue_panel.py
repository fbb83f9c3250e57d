"""The desk's queue panel: linked with the desk both ways, 开始办理 opens the case (or the desk
ready for a new application for the ticket's applicant), and a no-show leaves the board."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from windows.models import Ticket, Window
from windows.selectors import board_snapshot
from windows.services import ticket_call_next, ticket_no_show, ticket_serve, ticket_take

from .helpers import url

pytestmark = pytest.mark.django_db

SERVE = reverse("windows:queue-action", args=["serve"])


@pytest.fixture
def window(clerk, matter):
    window = Window.objects.create(number=3, name="不动产窗口", clerk=clerk)
    window.boards.add(matter.board)
    return window


def called(window, clerk, *, current: Ticket | None = None, **ticket) -> Ticket:
    ticket_take(board=window.boards.get(), **ticket)
    return ticket_call_next(window=window, by=clerk, current=current.number if current else "")


def test_desk_and_queue_panel_link_to_each_other(clerk_client, window):
    desk = clerk_client.get(url("desk-home")).content.decode()
    panel = clerk_client.get(url("queue-panel")).content.decode()
    assert f'href="{url("queue-panel")}" id="desk-nav-queue"' in desk
    assert f'href="{url("desk-home")}" id="desk-nav-desk"' in panel
    # The page one is on is marked as such.
    assert 'id="desk-nav-desk" aria-current="page"' in desk
    assert 'id="desk-nav-queue" aria-current="page"' in panel


def test_serving_a_ticket_of_a_case_opens_the_case(clerk_client, clerk, window, make_case):
    case = make_case("supplement_required")
    ticket = called(window, clerk)
    ticket_serve(ticket=ticket, by=clerk, case=case)

    response = clerk_client.post(SERVE, {"ticket": ticket.pk})
    assert response.status_code == 302
    assert response.url == url("case-intake", case.number)


def test_serving_a_ticket_opens_the_desk_ready_for_its_applicant(
    clerk_client, clerk, window, citizen, make_case
):
    case = make_case("ready")
    ticket = called(window, clerk, id_number=citizen.id_number)

    response = clerk_client.post(SERVE, {"ticket": ticket.pk})
    assert response.status_code == 302
    assert response.url == f"{url('desk-home')}?serving={ticket.pk}"
    ticket.refresh_from_db()
    assert ticket.status == "serving"
    assert citizen.id_number not in response.url  # no ID numbers in URLs

    page = clerk_client.get(response.url).content.decode()
    assert f"正在办理 {ticket.number}" in page
    assert "新办申请将预填" in page
    assert citizen.id_number not in page  # masked
    assert url("case-intake", case.number) in page  # the applicant's own cases
    # The new-case form is filled for them.
    form = clerk_client.get(f"{url('case-new')}?matter={case.matter.code}")
    assert form.context["form"].initial["id_number"] == citizen.id_number


def test_serving_an_anonymous_ticket_forgets_the_previous_applicant(
    clerk_client, clerk, window, citizen
):
    clerk_client.post(url("desk-home"), {"find": citizen.id_number})
    assert clerk_client.session.get("desk_applicant")
    ticket = called(window, clerk)
    response = clerk_client.post(SERVE, {"ticket": ticket.pk})
    assert response.url == f"{url('desk-home')}?serving={ticket.pk}"
    assert "desk_applicant" not in clerk_client.session


def test_only_the_window_serves_its_ticket(clerk, window, client):
    ticket = called(window, clerk)
    other = Window.objects.create(number=4, name="其他窗口", clerk=UserFactory(clerk=True))
    client.force_login(other.clerk)
    assert client.post(SERVE, {"ticket": ticket.pk}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == "called"


def test_the_panel_offers_serve_for_a_called_ticket(clerk_client, clerk, window):
    page = clerk_client.get(url("queue-panel")).content.decode()
    assert "当前没有叫号" in page and 'id="serve"' not in page
    ticket = called(window, clerk)
    page = clerk_client.get(url("queue-panel")).content.decode()
    assert f'id="current-ticket">{ticket.number}<' in page
    assert 'id="serve"' in page and "开始办理" in page


def test_a_no_show_leaves_the_board(client, clerk, window):
    first = called(window, clerk)
    second = called(window, clerk, current=first)
    ticket_no_show(ticket=second, by=clerk)

    calls = [call["ticket"] for call in board_snapshot()["calls"]]
    assert calls == [first.number]
    board = client.get(reverse("queue:board")).content.decode()
    assert first.number in board and second.number not in board
    api = client.get(reverse("api:board")).json()
    assert [call["ticket"] for call in api["calls"]] == [first.number]
