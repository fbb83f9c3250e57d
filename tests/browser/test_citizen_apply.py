"""A citizen applies online in a real Chromium: sign in, fill the form (一表登记), upload,
submit, and find the case in "my cases"."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.factories import (
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

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_matter():
    matter = MatterFactory(
        code="estate-transfer",
        name="不动产转移登记",
        online_level=5,
        max_trips=0,
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


def test_a_citizen_applies_uploads_submits_and_sees_the_case(page, screenshot):
    citizen = UserFactory(citizen=True, name="李四")
    matter = make_matter()
    sign_in(page, citizen)

    # Step 1: the applicant comes from the profile; the courier address shows only for courier.
    page.goto(f"/apply/{matter.code}/")
    expect(page.locator("#id_applicant_id_number")).to_have_value(citizen.id_number)
    expect(page.locator("#id_applicant_name")).to_have_value("李四")
    expect(page.locator("#id_address")).to_be_hidden()
    page.get_by_label("快递送达").check()
    expect(page.locator("#id_address")).to_be_visible()
    page.get_by_label("窗口领取").check()
    expect(page.locator("#id_address")).to_be_hidden()
    screenshot(page, "apply-details")
    page.get_by_role("button", name="下一步：上传材料").click()

    # Step 2: a text file dressed as a PDF is refused, a real PDF is taken.
    expect(page.locator("h1")).to_have_text("不动产转移登记")
    page.get_by_label("选择“居民身份证”文件").set_input_files(
        files=[{"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}]
    )
    page.get_by_role("button", name=re.compile(r"^上传\s*“居民身份证”$")).click()
    expect(page.locator("#form-errors")).to_contain_text("只接受 PDF、JPEG、PNG 文件")
    expect(page.locator("#form-errors")).to_be_focused()
    page.get_by_label("选择“居民身份证”文件").set_input_files(
        files=[{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name=re.compile(r"^上传\s*“居民身份证”$")).click()
    expect(page.locator(".messages")).to_contain_text("已上传“居民身份证”")
    expect(page.get_by_role("link", name="身份证.pdf")).to_be_visible()
    screenshot(page, "apply-materials")

    # Step 3: review and submit.
    page.get_by_role("link", name="下一步：核对并提交").click()
    expect(page.locator("main")).to_contain_text(citizen.id_number)
    screenshot(page, "apply-review")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    number = re.search(r"\d{8}-\d{5}", page.locator(".messages").inner_text()).group(0)
    expect(page.locator(".case-head")).to_contain_text("已提交")
    screenshot(page, "case-submitted")

    # My cases lists it.
    page.goto("/my/cases/")
    row = page.locator("tr", has_text=number)
    expect(row).to_contain_text("不动产转移登记")
    expect(row).to_contain_text("已提交")
    screenshot(page, "my-cases")
