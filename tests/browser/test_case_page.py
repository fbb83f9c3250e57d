"""The citizen's case page in a real Chromium: uploads that land after a refused
resubmission, the 容缺 commitment given online, and the courier's tracking."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case, MaterialStatus
from tests.browser.helpers import sign_in
from tests.cases.conftest import PDF_BYTES, drive_case
from tests.factories import (
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def make_matter():
    housing = DepartmentFactory(code="housing", name="市住房和城乡建设局")
    matter = MatterFactory(
        name="不动产转移登记",
        lead_department=housing,
        reviewing_departments=[housing],
        delivery_methods=["pickup", "courier"],
        deferral_scope="完税凭证可容缺受理，5个工作日内补齐。",
        with_guide=False,
    )
    ProcessStepFactory(matter=matter, order=1)
    RequirementFactory(
        matter=matter, material=MaterialTypeFactory(name="居民身份证"), key=True, order=1
    )
    RequirementFactory(
        matter=matter, material=MaterialTypeFactory(name="完税凭证"), deferrable=True, order=2
    )
    return matter


def test_an_upload_after_a_refused_resubmission_lands_and_is_listed(page):
    citizen = UserFactory(citizen=True, name="李四")
    clerk = UserFactory(clerk=True)
    case = drive_case("supplement_required", owner=citizen, clerk=clerk, matter=make_matter())
    sign_in(page, citizen)
    page.goto(f"/my/cases/{case.number}/")

    # Resubmitting with the asked material still missing is refused, naming it.
    page.get_by_role("button", name="重新提交").click()
    expect(page.locator("#form-errors")).to_contain_text("完税凭证")
    assert page.url.endswith(f"/my/cases/{case.number}/resubmit/")

    # The next upload, from that very page, lands on the material and is listed.
    page.locator("#supplement").get_by_label(re.compile("选择.*“完税凭证”文件")).set_input_files(
        files=[{"name": "完税凭证.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.locator("#supplement").get_by_role(
        "button", name=re.compile(r"^上传\s*“完税凭证”$")
    ).click()
    expect(page.locator(".messages")).to_contain_text("已上传“完税凭证”：完税凭证.pdf")
    expect(page.get_by_role("link", name="完税凭证.pdf")).to_be_visible()
    assert f"/my/cases/{case.number}/" in page.url and "resubmit" not in page.url
    material = Case.objects.get(pk=case.pk).materials.get(material_type__name="完税凭证")
    assert material.status == MaterialStatus.RECEIVED
    assert "完税凭证.pdf" in [f.original_name for f in material.files.all()]

    # And now the resubmission goes through.
    page.get_by_role("button", name="重新提交").click()
    expect(page.locator(".messages")).to_contain_text("补正材料已重新提交")


def test_the_applicant_commits_online_and_the_clerk_defers_on_it(page, chromium, live_server):
    citizen = UserFactory(citizen=True, name="李四")
    clerk = UserFactory(clerk=True, name="王窗口")
    case = drive_case("submitted", owner=citizen, clerk=clerk, matter=make_matter(), deferred=True)
    sign_in(page, citizen)
    page.goto(f"/my/cases/{case.number}/")

    section = page.locator("#commitment")
    expect(section).to_contain_text("暂缺材料：完税凭证")
    expect(section.locator("blockquote")).to_contain_text("前补齐以下材料：完税凭证")
    section.get_by_role("button", name="确认容缺承诺").click()
    # Not confirmed: the error sits under the box, nothing is recorded.
    expect(page.locator("#form-errors")).to_contain_text("请阅读承诺内容并勾选确认")
    page.get_by_label("我已阅读以上承诺，并保证按期补齐材料").check()
    page.locator("#commitment").get_by_role("button", name="确认容缺承诺").click()
    expect(page.locator(".messages")).to_contain_text("已确认容缺承诺")
    expect(page.locator("#commitment")).to_contain_text("在线确认容缺承诺")

    # The clerk sees the applicant's commitment (no checkbox to tick) and defers on it.
    desk = chromium.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 768}, base_url=live_server.url
    ).new_page()
    sign_in(desk, clerk)
    desk.goto(f"/desk/cases/{case.number}/")
    expect(desk.locator("[data-online-commitment]")).to_contain_text("申请人已在线承诺")
    expect(desk.locator("input[name=commitment_signed]")).to_have_count(0)
    row = desk.locator("tr", has_text="完税凭证")
    row.get_by_label("容缺").check()
    desk.get_by_role("button", name="容缺受理", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("已容缺受理")
    material = Case.objects.get(pk=case.pk).materials.get(material_type__name="完税凭证")
    assert material.status == MaterialStatus.DEFERRED
    assert material.due_date == case.commitment.due_date
    desk.context.close()


def test_the_case_page_shows_the_courier_tracking(page):
    import datetime

    from django.utils import timezone

    from cases import services
    from delivery.services import shipment_record_update

    citizen = UserFactory(citizen=True, name="李四")
    clerk = UserFactory(clerk=True)
    courier = services.Delivery(
        method="courier",
        receiver="李四",
        phone=citizen.phone,
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号",
    )
    case = drive_case(
        "in_transit", owner=citizen, clerk=clerk, matter=make_matter(), delivery=courier
    )
    shipment_record_update(
        waybill=case.waybill,
        status="picked_up",
        at=timezone.now() + datetime.timedelta(minutes=5),
        external_id="t1",
        note="快递员已揽收",
    )
    sign_in(page, citizen)
    page.goto(f"/my/cases/{case.number}/")
    tracking = page.locator("#tracking")
    expect(tracking).to_contain_text(case.waybill)
    expect(tracking.locator(".tracking__item")).to_have_count(2)
    expect(tracking.locator(".tracking__item--latest")).to_contain_text("快递员已揽收")
