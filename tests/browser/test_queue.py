"""The hall floor in a real Chromium: a ticket taken at the kiosk is called by a clerk at the
desk and shows on the display board, which refreshes itself without a reload."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, BoardFactory, UserFactory
from windows.models import Window

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_kiosk_desk_and_board(page, screenshot):
    board = BoardFactory(letter="A", code="realty", name="不动产登记")
    clerk = UserFactory(clerk=True, name="王窗口")
    window = Window.objects.create(number=3, name="不动产窗口", clerk=clerk)
    window.boards.add(board)

    display = page.context.new_page()
    display.goto("/board/")
    expect(display.locator("#board-now")).to_contain_text("暂无叫号")
    loads = []
    display.on("load", lambda _page: loads.append(1))

    page.goto("/kiosk/")
    page.get_by_text("不动产登记").first.click()
    page.get_by_role("button", name="取号", exact=True).click()
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator(".ticket__ahead")).to_contain_text("0")
    screenshot(page, "queue-ticket")
    expect(display.locator('#board-waiting li[data-board="realty"] strong')).to_have_text("1")

    page.goto("/accounts/login/?next=/desk/queue/")
    page.get_by_label("账号").fill(clerk.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#call-next").click()
    expect(page.locator("#current-ticket")).to_have_text("A001")
    screenshot(page, "queue-desk")

    expect(display.locator("#board-now")).to_contain_text("A001")
    expect(display.locator("#board-now")).to_contain_text("3号窗口")
    expect(display.locator('#board-waiting li[data-board="realty"] strong')).to_have_text("0")
    screenshot(display, "queue-board")
    assert loads == []
