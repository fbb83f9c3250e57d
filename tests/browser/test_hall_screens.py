"""The hall's own screens at 1080p in a real Chromium: the touch kiosk (full screen, large
targets, each error under its field) and the wall board (current call large, the last calls,
waiting counts, silent, refreshing itself; a no-show leaves it)."""

import pytest
from playwright.sync_api import expect

from tests.factories import BoardFactory, UserFactory
from windows.models import Window
from windows.services import ticket_call_next, ticket_no_show, ticket_take

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HD = {"width": 1920, "height": 1080}


def _boards():
    realty = BoardFactory(letter="A", code="realty", name="不动产登记", order=1)
    business = BoardFactory(letter="B", code="business", name="商事登记", order=2)
    return realty, business


def test_kiosk_is_full_screen_with_large_targets_and_errors_under_their_field(page, screenshot):
    _boards()
    page.set_viewport_size(HD)
    page.goto("/kiosk/")

    # Its own page: none of the portal's navigation or footer on the touch screen.
    assert page.locator(".site-nav, .site-header, .site-footer").count() == 0
    assert page.get_by_role("link", name="登录").count() == 0

    # Every touch target at least 64 px high, the text large.
    for target in [
        page.get_by_role("button", name="取号", exact=True),
        page.get_by_role("button", name="签到取号"),
        page.locator("label.kiosk__board").first,
        page.get_by_label("手机号码（选填）"),
        page.get_by_label("预约码"),
    ]:
        assert target.bounding_box()["height"] >= 64
    size = page.get_by_role("button", name="取号", exact=True).evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= 24

    # No board chosen: the error stands under the board choice, not under the check-in.
    page.get_by_role("button", name="取号", exact=True).click()
    take = page.locator("section", has=page.get_by_role("heading", name="现场取号"))
    check_in = page.locator("section", has=page.get_by_role("heading", name="预约签到"))
    error = take.locator("fieldset .field-error")
    expect(error).to_have_text("请选择办理板块。")
    assert check_in.locator(".field-error").count() == 0
    assert page.locator(".site-nav").count() == 0
    screenshot(page, "kiosk-board-error")

    # A bad mobile number: its error under the mobile field, the chosen board kept.
    page.get_by_text("商事登记").click()
    page.get_by_label("手机号码（选填）").fill("123")
    page.get_by_role("button", name="取号", exact=True).click()
    phone_error = page.locator("#take-phone-error")
    expect(phone_error).to_be_visible()
    phone_box = page.get_by_label("手机号码（选填）").bounding_box()
    assert phone_error.bounding_box()["y"] > phone_box["y"]
    assert page.locator('input[value="business"]').is_checked()

    # The check-in without a code: the error under the code field of the check-in.
    page.get_by_role("button", name="签到取号").click()
    expect(check_in.locator("#checkin-code-error")).to_have_text("请输入预约码。")
    assert take.locator(".field-error").count() == 0

    # And the ticket itself on the same full-screen page.
    page.get_by_text("商事登记").click()
    page.get_by_role("button", name="取号", exact=True).click()
    expect(page.locator("#ticket-number")).to_have_text("B001")
    assert page.locator(".site-nav, .site-footer").count() == 0
    assert page.get_by_role("link", name="返回取号").bounding_box()["height"] >= 64


def test_board_shows_the_current_call_large_and_refreshes_silently(page, screenshot):
    realty, business = _boards()
    clerk = UserFactory(clerk=True)
    window = Window.objects.create(number=3, name="综合窗口", clerk=clerk, generalist=True)
    for board in (realty, business, realty, business, realty):
        ticket_take(board=board)
    ticket_call_next(window=window, by=clerk)  # A001
    ticket_call_next(window=window, by=clerk)  # B001 (A001 done)

    page.set_viewport_size(HD)
    page.goto("/board/")
    loads = []
    page.on("load", lambda _page: loads.append(1))

    now = page.locator("#board-now")
    expect(now.locator(".board-now__ticket")).to_have_text("B001")
    expect(now.locator(".board-now__window")).to_have_text("3号窗口")
    # Readable across the hall: the current number at least 150 px tall on 1080p.
    assert (
        now.locator(".board-now__ticket").evaluate(
            "el => parseFloat(getComputedStyle(el).fontSize)"
        )
        >= 150
    )
    expect(page.locator("#board-calls li")).to_have_count(1)
    expect(page.locator("#board-calls")).to_contain_text("A001")
    expect(page.locator('#board-waiting li[data-board="realty"] strong')).to_have_text("2")
    expect(page.locator('#board-waiting li[data-board="business"] strong')).to_have_text("1")
    # Silent calling: no audio anywhere, and it says so.
    assert page.locator("audio, video").count() == 0
    expect(page.locator(".board-screen__silent")).to_contain_text("无声叫号")
    # All on one screen: nothing below the fold at 1080p.
    assert page.evaluate("document.documentElement.scrollHeight") <= HD["height"]

    # The next call appears by itself, flashing; the last one moves to the list.
    ticket_call_next(window=window, by=clerk)  # A002
    expect(now.locator(".board-now__ticket")).to_have_text("A002", timeout=8000)
    expect(now).to_have_class("board-now__call is-new")
    expect(page.locator("#board-calls li")).to_have_count(2)
    expect(page.locator('#board-waiting li[data-board="realty"] strong')).to_have_text("1")
    screenshot(page, "board-1080p")

    # A no-show is not a call any more: it leaves the board.
    current = window.ticket_set.get(number="A002")
    ticket_no_show(ticket=current, by=clerk)
    expect(now.locator(".board-now__ticket")).to_have_text("B001", timeout=8000)
    expect(page.locator("#board-calls")).not_to_contain_text("A002")
    assert loads == []
    assert all("127.0.0.1" in url or "localhost" in url for url in page.requested_urls)
