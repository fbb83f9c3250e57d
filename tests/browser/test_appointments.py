"""Booking an appointment in a real Chromium: choose a board and a day with the date picker,
book a slot, get the code; a second booking of the same day and board is refused in words."""

import datetime

import pytest
from playwright.sync_api import expect

from matters.calendar import add_working_days
from tests.factories import PASSWORD, BoardFactory, MatterFactory, UserFactory
from windows.models import Appointment, Slot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_book_by_board_and_day_then_the_daily_limit(page, screenshot):
    board = BoardFactory(letter="B", code="real-estate", name="不动产登记")
    BoardFactory(letter="C", code="business", name="商事登记")
    MatterFactory(code="estate-transfer", name="不动产转移登记", board=board)
    first = add_working_days(datetime.date.today(), 1)
    second = add_working_days(datetime.date.today(), 2)
    for day in (first, second):
        for hour in (9, 14):
            Slot.objects.create(
                board=board,
                date=day,
                start=datetime.time(hour),
                end=datetime.time(hour + 1),
                capacity=3,
            )
    citizen = UserFactory(citizen=True)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/accounts/login/?next=/appointments/")
    page.get_by_label("账号").fill(citizen.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/appointments/")

    date = page.get_by_label("预约日期")
    assert date.get_attribute("type") == "date"
    assert date.get_attribute("min") == first.isoformat()
    assert date.get_attribute("max") == second.isoformat()

    # By matter: its board is chosen for the person.
    page.get_by_label("或按事项").select_option(label="不动产转移登记")
    date.fill(second.isoformat())
    page.get_by_role("button", name="查看可预约时段").click()
    heading = page.get_by_role("heading", level=2, name="不动产登记")
    expect(heading).to_contain_text(f"{second.year}年{second.month}月{second.day}日")
    expect(page.get_by_text("“不动产转移登记”在不动产登记板块办理。")).to_be_visible()
    screenshot(page, "appointments-slots")

    page.get_by_role("button", name="预约 09:00–10:00").click()
    expect(page.locator(".message--success")).to_contain_text("预约成功，预约码")
    booked = Appointment.objects.get(user=citizen)
    mine = page.locator("section", has=page.get_by_role("heading", name="我的预约"))
    expect(mine).to_contain_text(booked.code)
    # Still on the same board and day, with the place taken.
    expect(page.get_by_label("预约日期")).to_have_value(second.isoformat())
    slots = page.locator("section", has=page.get_by_role("heading", name="可预约时段"))
    expect(slots.locator("tbody tr", has_text="09:00–10:00")).to_contain_text("2/3")

    # The afternoon of the same day and board: refused, nothing lost.
    page.get_by_role("button", name="预约 14:00–15:00").click()
    expect(page.locator(".message--error")).to_contain_text("每人每天在同一板块限预约一次")
    expect(mine).to_contain_text(booked.code)
    assert Appointment.objects.filter(user=citizen).count() == 1
    screenshot(page, "appointments-limit")

    # The day before is still free: by board this time.
    page.get_by_label("办理板块").select_option(label="不动产登记")
    page.get_by_label("或按事项").select_option(value="")
    page.get_by_label("预约日期").fill(first.isoformat())
    page.get_by_role("button", name="查看可预约时段").click()
    page.get_by_role("button", name="预约 14:00–15:00").click()
    expect(page.locator(".message--success")).to_contain_text("预约成功")
    assert Appointment.objects.filter(user=citizen).count() == 2
