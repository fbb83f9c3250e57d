"""The portal on a 390×844 phone in a real Chromium: the navigation folds behind a menu button
(keyboard too), search results come before the filters, the licence wallet keeps its labels."""

import datetime

import pytest
from playwright.sync_api import expect

from cases.models import Case
from documents.models import Licence
from tests.browser.helpers import sign_in
from tests.browser.test_portal import make_catalog
from tests.factories import LicenceTypeFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def test_navigation_folds_behind_a_menu_button(page, screenshot):
    citizen = UserFactory(citizen=True)
    page.set_viewport_size(PHONE)
    sign_in(page, citizen)
    page.goto("/")

    menu = page.get_by_role("button", name="菜单")
    links = page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的证照")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(links).to_be_hidden()
    # The folded header takes one row, not a screenful of links.
    assert page.locator(".site-header").bounding_box()["height"] < 100

    # Keyboard: Tab reaches the button (after the skip link and the brand), Enter opens it.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    screenshot(page, "phone-nav-open")
    # Escape closes it and leaves the focus on the button.
    page.keyboard.press("Escape")
    expect(links).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")

    menu.click()
    links.click()
    page.wait_for_url("**/my/licences/")

    # On a wide screen there is no menu button: the links are all there.
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(menu).to_be_hidden()
    expect(links).to_be_visible()


def test_without_script_the_phone_navigation_stays_open(chromium, live_server, transactional_db):
    context = chromium.new_context(
        viewport=PHONE, locale="zh-CN", java_script_enabled=False, base_url=live_server.url
    )
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="事项")
    ).to_be_visible()
    context.close()


def test_search_results_come_before_the_filters(page, screenshot):
    make_catalog()
    page.set_viewport_size(PHONE)
    page.goto("/matters/")
    page.get_by_label("关键词").fill("不动产")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/matters/?q=*")

    first_result = page.locator(".matter-list a").first
    filters = page.get_by_role("heading", name="筛选条件")
    expect(first_result).to_be_in_viewport()
    assert first_result.bounding_box()["y"] < filters.bounding_box()["y"]
    screenshot(page, "phone-search")

    # The filters, after the results, still filter the same search.
    page.get_by_label("板块").select_option(label="不动产登记")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**board=estate**")
    assert "q=%E4%B8%8D%E5%8A%A8%E4%BA%A7" in page.url
    expect(page.get_by_label("关键词")).to_have_value("不动产")
    assert page.locator(".matter-list").get_by_text("生育登记").count() == 0
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_licence_wallet_keeps_its_labels_on_a_phone(page, screenshot):
    catalog = make_catalog()
    citizen = UserFactory(citizen=True)
    case = Case.objects.create(
        number="20261201-00001",
        matter=catalog["transfer"],
        lead_department=catalog["transfer"].lead_department,
        channel="online",
        owner=citizen,
        created_by=citizen,
        applicant_kind="person",
        applicant_name=citizen.name,
        applicant_id_number=citizen.id_number,
        applicant_phone=citizen.phone,
    )
    Licence.objects.create(
        licence_type=LicenceTypeFactory(name="不动产权证书"),
        number="ZJ2026-0001234",
        holder_id=citizen.id_number,
        holder_name=citizen.name,
        scope="住宅",
        issued_on=datetime.date(2026, 11, 20),
        issuing_department="市自然资源和规划局",
        case=case,
        verification_code="PHONE-WALLET-CODE",
        signature="0" * 64,
        signature_key_id="tests",
    )
    page.set_viewport_size(PHONE)
    sign_in(page, citizen)
    page.goto("/my/licences/")
    row = page.locator("table.req-table tbody tr").first
    for label, value in [
        ("证照类型", "不动产权证书"),
        ("证照编号", "ZJ2026-0001234"),
        ("发证机关", "市自然资源和规划局"),
        ("有效期至", "长期"),
    ]:
        cell = row.locator(f'[data-label="{label}"]')
        expect(cell).to_have_text(value)
        shown = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert shown == f'"{label}"'
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(page, "phone-licences")
