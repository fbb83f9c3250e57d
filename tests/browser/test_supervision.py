"""The supervision dashboard in a real Chromium on a hall with history: the matter filter
suggests names as one types, wide tables scroll inside their box, rates read alike."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# ONETRIP_SCREENSHOTS_12=docs/screenshots/12 keeps the screenshots.
SHOTS = os.environ.get("ONETRIP_SCREENSHOTS_12")


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), type="png")


def test_dashboard_with_history_and_matter_autocomplete(page):
    call_command("seed_demo", "--history", "--history-days", "40", stdout=io.StringIO())
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/accounts/login/?next=/supervision/")
    page.get_by_label("账号").fill("supervisor1")
    page.get_by_label("密码").fill("Demo#2026")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#sv-total")).to_be_visible()
    promise = page.locator("#sv-promise-kept")
    expect(promise).to_have_text(re.compile(r"^\d{1,3}\.\d%$"))
    shoot(page, "supervision-dashboard-after")

    # The figures tables are wider than the page: they scroll inside their box.
    wrap = page.locator("#sv-matter ~ .sv-table-wrap").first
    sizes = wrap.evaluate("el => [el.scrollWidth, el.clientWidth, getComputedStyle(el).overflowX]")
    assert sizes[0] > sizes[1] and sizes[2] == "auto"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.locator("#sv-matter").scroll_into_view_if_needed()
    shoot(page, "supervision-tables-after")

    page.locator("#sv-staff").scroll_into_view_if_needed()
    expect(page.locator("section[aria-labelledby=sv-staff] tbody tr").first).to_contain_text(
        "市行政服务中心"
    )
    shoot(page, "supervision-people-after")

    # Type part of a name: the catalog search offers matching names in the datalist.
    field = page.locator("#id_matter")
    field.press_sequentially("身份证", delay=30)
    options = page.locator("#sv-matter-options option")
    expect(options.first).to_have_attribute("value", "居民身份证换领")
    field.fill(options.first.get_attribute("value"))
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"matter=%E5%B1%85%E6%B0%91"))
    expect(page.locator("section[aria-labelledby=sv-matter] tbody tr")).to_have_count(1)
    expect(page.locator("section[aria-labelledby=sv-matter] tbody tr th")).to_have_text(
        "居民身份证换领"
    )
    assert not any("cdn" in url for url in page.requested_urls)
