"""Data travels instead of people (issue 14), in a real Chromium, on the demo catalog:

1. A citizen known to the (simulated) data exchange answers the questions on the guide of
   居民身份证换领, gets *their* checklist, applies from it with consent to the data exchange
   and brings fewer materials than the guide lists (户口簿: 数据共享免提交); pays the fee
   online (去缴费 → 确认支付) and sees who looked up their data (谁查询了我的数据, masked).
2. The window accepts that case: the verified ID card goes into the citizen's materials
   locker; the citizen's next application for a related matter (社会保障卡申领) reuses it
   (材料库复用); the citizen sees it on 我的材料库 and removes it.
3. A walk-in case with an unpaid fee cannot be issued at the desk until the clerk records
   the counter payment with its receipt number.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Department
from cases import services
from cases.models import Case, CaseStatus
from exchange.models import DataLookup
from halls.selectors import city_centre
from locker.models import LockerItem
from matters.catalog_io import catalog_import
from matters.models import Matter
from payments.models import Payment
from tests.browser.helpers import sign_in
from tests.browser.test_lifecycle import open_session  # noqa: F401
from tests.cases.conftest import applicant_of
from tests.exchange.conftest import KNOWN
from tests.factories import UserFactory
from windows.services import RECEIVED, ChecklistMark, case_window_accept

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO = Path(__file__).resolve().parents[2] / "matters" / "demo" / "catalog.json"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASE_NUMBER = re.compile(r"\d{8}-\d{5}")
RENEWAL = "pol-id-card-renewal"  # questions, a 20 元 fee, 户口簿 standing for 户籍信息
SOCIAL_CARD = "ins-social-security-card"  # questions, the same ID card


def load_demo_catalog():
    catalog_import(data=json.loads(DEMO.read_text(encoding="utf-8")))
    return Department.objects.get(code="police")


def window_clerk(police, **fields):
    clerk = UserFactory(clerk=True, hall=city_centre(), name="王窗口", **fields)
    clerk.authorised_departments.add(*Department.objects.all())
    return clerk


def approve(case: Case) -> None:
    for review in case.reviews.select_related("department"):
        services.review_decide(
            review=review,
            by=UserFactory(approver=True, department=review.department),
            decision="approve",
            opinion="同意。",
        )


@pytest.mark.slow
def test_a_citizen_files_with_shared_data_pays_online_and_reuses_the_locker(
    page,
    open_session,  # noqa: F811 - the fixture of test_lifecycle
    screenshot,
):
    police = load_demo_catalog()
    citizen = UserFactory(citizen=True, name="张伟", id_number=KNOWN)
    clerk = window_clerk(police)

    # 1. The guide asks its questions; the answers give the citizen's own checklist.
    sign_in(page, citizen)
    page.goto(f"/matters/{RENEWAL}/")
    guide_rows = page.locator("#requirements tbody tr, .req-table tbody tr")
    guide_count = guide_rows.count()
    page.get_by_role("group", name="是否外地户籍").get_by_label("本市户籍").check()
    screenshot(page, "01-guide-questions")
    page.get_by_role("button", name="生成我的材料清单").click()
    expect(page).to_have_url(re.compile(rf"/matters/{RENEWAL}/checklist/\?nonlocal=no"))
    checklist = page.locator("#my-checklist")
    expect(checklist).to_contain_text("居民身份证")
    expect(checklist).to_contain_text("居民户口簿")
    expect(checklist).not_to_contain_text("居住证")
    screenshot(page, "02-checklist")
    page.emulate_media(media="print")
    screenshot(page, "03-checklist-print")
    page.emulate_media(media="screen")

    # 2. Apply from the checklist, with consent to the data exchange.
    page.get_by_role("link", name="按此清单申请").click()
    expect(page.locator("#answers")).to_contain_text("本市户籍")
    consent = page.locator("#data-consent")
    expect(consent).to_contain_text("户籍信息")
    consent.get_by_role("checkbox").check()
    screenshot(page, "04-apply-consent")
    page.get_by_role("button", name="下一步：上传材料").click()
    expect(page.locator("main")).to_contain_text("数据共享免提交")
    number = page.url.split("/my/cases/")[1].split("/")[0]
    case = Case.objects.get(number=number)
    statuses = {m.material_type.code: m.status for m in case.materials.all()}
    assert statuses["household-register"] == "satisfied_by_data"
    to_bring = [code for code, status in statuses.items() if status == "missing"]
    assert to_bring == ["id-card"]
    assert len(to_bring) < guide_count
    page.get_by_label("选择“居民身份证”文件").set_input_files(
        files=[{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name=re.compile(r"^上传\s*“居民身份证”$")).click()
    expect(page.locator(".messages")).to_contain_text("已上传“居民身份证”")
    screenshot(page, "05-materials-data-shared")
    page.get_by_role("link", name="下一步：核对并提交").click()
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_contain_text("申请已提交")

    # 3. The fee, paid online.
    fee = page.locator("#payment")
    expect(fee).to_contain_text("20.00")
    expect(fee).to_contain_text("待缴费")
    screenshot(page, "06-case-fee-unpaid")
    fee.get_by_role("link", name="去缴费").click()
    expect(page.locator("#payment")).to_contain_text(number)
    screenshot(page, "07-pay-page")
    page.get_by_role("button", name="确认支付").click()
    expect(page.locator(".messages")).to_contain_text("缴费成功")
    fee = page.locator("#payment")
    expect(fee).to_contain_text("已缴费")
    receipt = fee.get_by_role("link", name="电子缴费票据")
    expect(receipt).to_be_visible()
    screenshot(page, "08-case-paid")
    assert page.request.get(receipt.get_attribute("href")).status == 200

    # 4. Who looked up my data: the lookup, the number masked.
    page.goto("/me/data-access/")
    expect(page.locator("main")).to_contain_text("户籍信息")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).not_to_contain_text(KNOWN)
    expect(page.locator("main")).to_contain_text(f"{KNOWN[:3]}***********{KNOWN[-4:]}")
    screenshot(page, "09-data-access")
    assert DataLookup.objects.filter(case=case).exists()

    # 5. The window accepts the case: the verified ID card goes into the locker.
    desk = open_session()
    sign_in(desk, clerk)
    desk.goto(f"/desk/cases/{number}/")
    screenshot(desk, "10-desk-intake-data-shared")
    desk.get_by_role("button", name="受理", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("已受理")
    assert LockerItem.objects.filter(identity=KNOWN, material_type__code="id-card").exists()

    # 6. The second application, for a related matter, reuses the ID card.
    page.goto(f"/apply/{SOCIAL_CARD}/?first=yes&child=no")
    page.get_by_role("button", name="下一步：上传材料").click()
    expect(page.locator("main")).to_contain_text("材料库复用")
    second = Case.objects.get(number=page.url.split("/my/cases/")[1].split("/")[0])
    assert second.materials.get(material_type__code="id-card").status == "satisfied_by_locker"
    screenshot(page, "11-materials-locker-reused")

    # 7. My materials locker: the ID card, removed by its owner.
    page.goto("/me/locker/")
    row = page.get_by_role("row").filter(has_text="居民身份证")
    expect(row).to_contain_text(number)
    screenshot(page, "12-my-locker")
    row.get_by_role("link", name=re.compile("移除|删除")).click()
    screenshot(page, "13-locker-remove-confirm")
    page.get_by_role("button", name=re.compile("移除|删除")).click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="居民身份证")).to_have_count(0)
    screenshot(page, "14-my-locker-removed")
    assert not LockerItem.objects.usable().filter(identity=KNOWN).exists()


def test_the_desk_issues_an_unpaid_walk_in_case_only_after_the_counter_payment(page, screenshot):
    police = load_demo_catalog()
    clerk = window_clerk(police)
    walk_in = UserFactory(citizen=True, name="陈晓东")
    case = services.case_create(
        by=clerk, matter=Matter.objects.get(code=RENEWAL), applicant=applicant_of(walk_in)
    )
    case_window_accept(
        case=case,
        by=clerk,
        marks=[
            ChecklistMark(requirement_id=material.requirement_id, state=RECEIVED)
            for material in case.materials.filter(required=True)
        ],
        in_person=True,
    )
    case = Case.objects.get(pk=case.pk)
    approve(case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.APPROVED

    sign_in(page, clerk)
    page.goto(f"/desk/cases/{case.number}/")
    expect(page.locator("#payment")).to_contain_text("待缴费")
    page.get_by_role("button", name="出件", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("费用尚未缴纳，不能出件")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.APPROVED
    screenshot(page, "15-desk-issue-refused-unpaid")

    page.get_by_label("收据号").fill("NT-20261206-01")
    page.get_by_role("button", name="登记窗口缴费").click()
    expect(page.locator(".messages")).to_contain_text("已登记窗口缴费")
    expect(page.locator("#payment")).to_contain_text("已缴费")
    expect(page.locator("#payment")).to_contain_text("NT-20261206-01")
    screenshot(page, "16-desk-counter-paid")
    page.get_by_role("button", name="出件", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已出件")
    expect(page.locator(".case-head")).to_contain_text("待领取/待寄送")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.READY
    assert Payment.objects.get(case=case).counter_receipt == "NT-20261206-01"
    screenshot(page, "17-desk-issued")
