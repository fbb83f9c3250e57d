"""The citizen portal in a real Chromium: search by pinyin initials, open a guide."""

from urllib.parse import urlsplit

import pytest

from matters.models import MaterialForm
from tests.factories import (
    BoardFactory,
    BundleFactory,
    DepartmentFactory,
    LicenceTypeFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def make_catalog():
    estate = BoardFactory(code="estate", name="不动产登记", description="房屋买卖、抵押登记")
    social = BoardFactory(code="social", name="社会事务")
    BoardFactory(code="business", name="商事登记")
    land = DepartmentFactory(code="land", name="市自然资源和规划局")
    housing = DepartmentFactory(code="housing", name="市住房和城乡建设局")
    tax = DepartmentFactory(code="tax", name="市税务局")
    transfer = MatterFactory(
        code="estate-transfer",
        name="不动产转移登记",
        board=estate,
        lead_department=land,
        reviewing_departments=[land, housing, tax],
        legal_days=30,
        committed_days=3,
        max_trips=0,
        online_level=5,
        usage_count=1200,
        conditions="不动产权利发生转移，买卖双方共同申请。",
        legal_basis="《不动产登记暂行条例》第十四条。",
        deferral_scope="婚姻关系证明暂缺的，可容缺受理，申请人书面承诺5个工作日内补齐。",
        places=["市民中心二楼不动产窗口", "城东分中心"],
        consultation_phone="0571-87001234",
        result_name="不动产权证书",
        with_guide=False,
    )
    ProcessStepFactory(matter=transfer, order=1, name="申请", description="网上或窗口提交申请。")
    ProcessStepFactory(matter=transfer, order=2, name="并联审核", description="三部门同时审核。")
    ProcessStepFactory(matter=transfer, order=3, name="登簿发证", description="快递送达证书。")
    id_card = MaterialTypeFactory(
        code="id-card",
        name="居民身份证",
        licence_type=LicenceTypeFactory(code="id-licence", name="居民身份证"),
    )
    RequirementFactory(matter=transfer, material=id_card, key=True, order=1)
    RequirementFactory(
        matter=transfer,
        material=MaterialTypeFactory(code="contract", name="不动产买卖合同"),
        key=True,
        form=MaterialForm.ORIGINAL_AND_COPY,
        copies=2,
        order=2,
    )
    RequirementFactory(
        matter=transfer,
        material=MaterialTypeFactory(code="marriage", name="婚姻关系证明"),
        deferrable=True,
        form=MaterialForm.COPY,
        order=3,
    )
    RequirementFactory(
        matter=transfer,
        material=MaterialTypeFactory(code="power-of-attorney", name="授权委托书"),
        required=False,
        condition="委托他人代办的提交",
        order=4,
    )
    mortgage = MatterFactory(
        code="estate-mortgage",
        name="不动产抵押登记",
        board=estate,
        lead_department=land,
        usage_count=800,
    )
    birth = MatterFactory(
        code="birth-registration", name="生育登记", board=social, usage_count=1000, max_trips=0
    )
    water = MatterFactory(code="water-transfer", name="用水过户", board=estate, usage_count=300)
    RequirementFactory(matter=water, material=id_card, key=True)
    BundleFactory(
        code="estate-utilities",
        name="二手房转移登记及水电气过户",
        description="不动产转移登记与水、电、气过户一次申请、一套材料。",
        matters=[transfer, water],
    )
    return {"transfer": transfer, "mortgage": mortgage, "birth": birth}


def assert_only_local_requests(page):
    hosts = {urlsplit(url).hostname for url in page.requested_urls}
    assert hosts <= LOCAL_HOSTS, hosts


def test_search_by_pinyin_initials_and_read_the_guide(page, screenshot):
    make_catalog()

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.title().endswith("OneTrip 政务服务中心")
    screenshot(page, "home")

    page.get_by_label("搜索办事事项").fill("bdc")
    page.get_by_role("button", name="搜索").first.click()
    page.wait_for_url("**/matters/?q=bdc")

    results = page.locator(".matter-list")
    assert results.get_by_role("link", name="不动产转移登记").is_visible()
    assert results.get_by_role("link", name="不动产抵押登记").is_visible()
    assert results.get_by_text("生育登记").count() == 0
    screenshot(page, "search")

    results.get_by_role("link", name="不动产转移登记").click()
    page.wait_for_url("**/matters/estate-transfer/")
    assert page.get_by_role("heading", level=1).inner_text() == "不动产转移登记"
    table = page.locator("table.req-table")
    assert table.is_visible()
    assert table.get_by_role("rowheader", name="居民身份证").is_visible()
    assert table.get_by_text("可容缺", exact=True).is_visible()
    assert page.get_by_text("跑零次").first.is_visible()
    screenshot(page, "guide")

    page.get_by_role("link", name="二手房转移登记及水电气过户").click()
    page.wait_for_url("**/bundles/estate-utilities/")
    checklist = page.locator("table.req-table").nth(1)
    assert checklist.get_by_role("rowheader", name="居民身份证").count() == 1
    screenshot(page, "bundle-desktop")

    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert_only_local_requests(page)
    # The stylesheet really loaded from the live server.
    assert any(url.endswith("/static/css/site.css") for url in page.requested_urls)


def test_keyboard_skip_link_and_phone_layout(page, screenshot):
    make_catalog()
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/matters/estate-transfer/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # No horizontal scrolling on a phone: the checklist stacks into labelled blocks.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(page, "guide-phone")

    page.goto("/")
    screenshot(page, "home-phone")
    page.goto("/bundles/estate-utilities/")
    assert page.get_by_role("heading", level=1).inner_text() == "二手房转移登记及水电气过户"
    screenshot(page, "bundle")
    assert_only_local_requests(page)


def test_signup_form_shows_only_the_chosen_user_type(page, screenshot):
    page.goto("/accounts/signup/")
    assert page.get_by_label("身份证号码").is_visible()
    assert not page.get_by_label("统一社会信用代码").is_visible()

    page.get_by_label("法人/企业").check()
    assert page.get_by_label("统一社会信用代码").is_visible()
    assert not page.get_by_label("身份证号码").is_visible()

    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#form-errors").is_visible()
    assert page.evaluate("document.activeElement.id") == "form-errors"
    screenshot(page, "signup-errors")
    assert_only_local_requests(page)
