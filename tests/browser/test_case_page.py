"""The citizen's case page in a real Chromium: uploads that land after a refused
resubmission, the 容缺 commitment given online, and the courier's tracking."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case, MaterialStatus
from tests.cases.conftest import PDF_BYTES, drive_case
from tests.factories import (
    PASSWORD,
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


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("账号").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".site-nav")).to_contain_text(user.name)


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
