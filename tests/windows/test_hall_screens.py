"""The kiosk and the wall board as pages: the kiosk's errors stand under their own field and
it carries no site navigation; the board lists calls, never a no-show."""

import re

import pytest
from django.test import Client

from tests.factories import BoardFactory, UserFactory
from windows.models import Ticket, Window
from windows.services import ticket_call_next, ticket_no_show, ticket_take


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


def _section(html: str, heading: str) -> str:
    """The <section> of the kiosk page headed ``heading``."""
    match = re.search(rf"<section[^>]*>\s*<h2[^>]*>{heading}</h2>(.*?)</section>", html, re.S)
    assert match, heading
    return match.group(1)


def test_ticket_form_without_a_board_answers_under_the_board_choice(board):
    response = Client().post("/kiosk/", {"form": "take", "take-id_number": "", "take-phone": ""})
    assert response.status_code == 200
    html = response.content.decode()
    take = _section(html, "现场取号")
    fieldset = take[take.index("<fieldset") : take.index("</fieldset>")]
    assert "请选择办理板块。" in fieldset
    assert "field-error" not in _section(html, "预约签到")
    assert 'class="site-nav"' not in html and "site-footer" not in html
    assert not Ticket.objects.exists()


def test_a_refused_ticket_does_not_leave_the_numbers_typed_on_the_public_screen(board):
    typed = {"form": "take", "take-id_number": "330106199001011234", "take-phone": "13800138000"}
    html = Client().post("/kiosk/", typed).content.decode()
    assert "请选择办理板块。" in html
    assert "330106199001011234" not in html and "13800138000" not in html
    assert not Ticket.objects.exists()


def test_empty_check_in_answers_under_the_code_field(board):
    html = Client().post("/kiosk/", {"form": "checkin", "checkin-code": ""}).content.decode()
    check_in = _section(html, "预约签到")
    assert re.search(r'id="checkin-code-error"[^>]*>请输入预约码。<', check_in)
    assert "field-error" not in _section(html, "现场取号")


def test_board_drops_a_no_show_and_shows_the_latest_call_first(board):
    clerk = UserFactory(clerk=True)
    window = Window.objects.create(number=7, name="综合窗口", clerk=clerk, generalist=True)
    for _ in range(3):
        ticket_take(board=board)
    ticket_call_next(window=window, by=clerk)
    ticket_call_next(window=window, by=clerk)
    missed = Ticket.objects.get(number="A002")
    ticket_no_show(ticket=missed, by=clerk)
    calls = Client().get("/api/v1/board/").json()["calls"]
    assert [call["ticket"] for call in calls] == ["A001"]
    html = Client().get("/board/").content.decode()
    now = html[html.index('id="board-now"') : html.index('id="board-calls"')]
    assert "A001" in now and "7号窗口" in now
    assert "A002" not in html
