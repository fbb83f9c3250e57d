"""The language switch in a real Chromium: English from the header, kept from page to page,
and back to Chinese; a browser asking for English gets it without touching the switch."""

import pytest

from tests.factories import BoardFactory, MatterFactory

pytestmark = pytest.mark.browser


def test_switch_to_english_keeps_it_across_pages_and_back(page, screenshot):
    matter = MatterFactory(name="不动产转移登记", board=BoardFactory(name="不动产登记"))
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="高频事项").is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Popular matters").is_visible()
    screenshot(page, "language-home-en")

    # Another page, reached by a link: still English.
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Matters"
    ).click()
    page.wait_for_url("**/matters/")
    assert page.get_by_role("heading", name="Matters", exact=True).is_visible()
    page.get_by_role("link", name=matter.name).first.click()
    page.wait_for_url(f"**/matters/{matter.code}/")
    assert page.get_by_role("heading", name="Materials", exact=True).is_visible()
    screenshot(page, "language-guide-en")

    # Back to Chinese, on the page the switch was on.
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_url(f"**/matters/{matter.code}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="申请材料", exact=True).is_visible()
    page.goto("/")
    assert page.get_by_role("heading", name="高频事项").is_visible()


def test_an_english_browser_gets_english(
    chromium, live_server, transactional_db, django_db_serialized_rollback
):
    context = chromium.new_context(locale="en-US", base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("button", name="简体中文").is_visible()
    finally:
        context.close()
