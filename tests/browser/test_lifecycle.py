"""The whole lifecycle in a real Chromium, one browser session per person: a citizen applies
online with an upload, a clerk accepts at the desk, the two reviewing departments approve in
the admin, and the citizen sees the result in "my cases"."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseEvent, ReviewStatus
from tests.browser.helpers import sign_in
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

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASE_NUMBER = re.compile(r"\d{8}-\d{5}")
OPINION = "材料齐全，符合条件，同意。"


def make_matter(housing, tax):
    """Reviewed by housing and tax in parallel: a key material (ID card), a required
    material the guide lets be deferred (tax receipt), and a conditional one."""
    matter = MatterFactory(
        code="estate-transfer",
        name="不动产转移登记",
        lead_department=housing,
        reviewing_departments=[housing, tax],
        committed_days=5,
        legal_days=20,
        online_level=4,
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
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(code="power-of-attorney", name="授权委托书"),
        required=False,
        condition="委托代理人办理的",
        order=3,
    )
    return matter


@pytest.fixture
def open_session(chromium, live_server, page):
    """Another person at another computer: a browser context of its own (own cookies)."""
    contexts = []

    def open_page():
        context = chromium.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url
        )
        contexts.append(context)
        new_page = context.new_page()
        new_page.set_default_timeout(10_000)
        return new_page

    yield open_page
    for context in contexts:
        context.close()


def approve_in_admin(page, approver, *, number, department, status_after, screenshot, shot):
    """An approver finds the case in the department's queue, writes an opinion, approves."""
    sign_in(page, approver)
    page.goto("/admin/")
    page.get_by_role("link", name="部门审查", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"审查队列：{department}")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.locator(".review-head")).to_contain_text(f"{department} · 待审")
    expect(page.get_by_role("link", name="身份证.pdf")).to_be_visible()
    decision = page.locator("form", has=page.get_by_role("button", name="提交审查结论"))
    decision.get_by_label("同意", exact=True).check()
    decision.get_by_label("审查意见").fill(OPINION)
    screenshot(page, f"{shot}-review")
    decision.get_by_role("button", name="提交审查结论").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"已提交办件 {number} 的审查结论：同意。办件状态：{status_after}。"
    )
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("同意")
    screenshot(page, f"{shot}-queue")


@pytest.mark.slow
def test_online_application_accepted_at_the_desk_and_approved_in_parallel(
    page, open_session, screenshot, tmp_path
):
    housing = DepartmentFactory(code="housing", name="市住房和城乡建设局", short_name="住建")
    tax = DepartmentFactory(code="tax", name="市税务局", short_name="税务")
    matter = make_matter(housing, tax)
    citizen = UserFactory(citizen=True, name="李四")
    clerk = UserFactory(clerk=True, name="王窗口")
    housing_approver = UserFactory(approver=True, department=housing, name="住建审批")
    tax_approver = UserFactory(approver=True, department=tax, name="税务审批")
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(PDF_BYTES)

    # 1. The citizen applies online from the guide: details from the profile, the ID card
    #    uploaded (the tax receipt may be deferred), review, submit.
    sign_in(page, citizen)
    page.goto(f"/matters/{matter.code}/")
    page.get_by_role("link", name="在线申请", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/apply/{matter.code}/$"))
    expect(page.get_by_label("申请人姓名/名称")).to_have_value("李四")
    expect(page.locator("#id_applicant_id_number")).to_have_value(citizen.id_number)
    page.get_by_label("窗口领取").check()
    screenshot(page, "lifecycle-01-apply-details")
    page.get_by_role("button", name="下一步：上传材料").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("不动产转移登记")
    page.get_by_label("选择“居民身份证”文件").set_input_files(scan)
    page.get_by_role("button", name=re.compile(r"^上传\s*“居民身份证”$")).click()
    expect(page.locator(".messages")).to_contain_text("已上传“居民身份证”")
    expect(page.get_by_role("link", name="身份证.pdf")).to_be_visible()
    screenshot(page, "lifecycle-02-apply-materials")

    page.get_by_role("link", name="下一步：核对并提交").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("不动产转移登记")
    expect(page.locator("main")).to_contain_text(citizen.id_number)
    screenshot(page, "lifecycle-03-apply-review")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    number = CASE_NUMBER.search(page.locator(".messages").inner_text()).group(0)
    expect(page.locator(".case-head")).to_contain_text("已提交")
    # The tax receipt is missing: the applicant commits online to bring it (容缺承诺).
    page.get_by_label("我已阅读以上承诺，并保证按期补齐材料").check()
    page.get_by_role("button", name="确认容缺承诺").click()
    expect(page.locator(".messages")).to_contain_text("已确认容缺承诺")

    page.get_by_role("link", name="我的办件", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("不动产转移登记")
    expect(row).to_contain_text("已提交")
    screenshot(page, "lifecycle-04-my-cases-submitted")

    # 2. The clerk takes the case from the desk inbox and accepts it, deferring the tax
    #    receipt on the applicant's commitment.
    desk = open_session()
    sign_in(desk, clerk)
    desk.goto("/desk/")
    inbox = desk.get_by_role("region", name=re.compile("网上申请待受理"))
    expect(inbox.get_by_role("row").filter(has_text=number)).to_contain_text("不动产转移登记")
    screenshot(desk, "lifecycle-05-desk-inbox")
    inbox.get_by_role("link", name=number, exact=True).click()
    expect(desk.locator(".case-head")).to_contain_text("已提交")
    id_card = desk.get_by_role("group", name="居民身份证核对结果")
    expect(id_card.get_by_label("已收取")).to_be_checked()
    desk.get_by_role("group", name="完税凭证核对结果").get_by_label("容缺").check()
    # Online, the applicant's own commitment stands: nothing for the clerk to tick.
    expect(desk.locator("[data-online-commitment]")).to_contain_text("申请人已在线承诺")
    screenshot(desk, "lifecycle-06-desk-checklist")
    desk.get_by_role("button", name="受理", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("已受理")
    expect(desk.locator(".case-head")).to_contain_text("审查中")
    reviews = desk.get_by_role("region", name="审查进度")
    expect(reviews.get_by_role("row").filter(has_text="市住房和城乡建设局")).to_contain_text("待审")
    expect(reviews.get_by_role("row").filter(has_text="市税务局")).to_contain_text("待审")
    screenshot(desk, "lifecycle-07-desk-accepted")

    # 3. Both departments approve, each in its own queue; the last one concludes the case.
    approve_in_admin(
        open_session(),
        housing_approver,
        number=number,
        department="市住房和城乡建设局",
        status_after="审查中",
        screenshot=screenshot,
        shot="lifecycle-08-housing",
    )
    approve_in_admin(
        open_session(),
        tax_approver,
        number=number,
        department="市税务局",
        status_after="准予",
        screenshot=screenshot,
        shot="lifecycle-09-tax",
    )

    # 4. The citizen, still signed in on "my cases", reloads it and opens the case.
    page.reload()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("准予")
    screenshot(page, "lifecycle-10-my-cases-approved")
    row.get_by_role("link", name=number, exact=True).click()
    expect(page.locator(".case-head")).to_contain_text("准予")
    expect(page.get_by_role("heading", name="审查通过，正在制作办理结果")).to_be_visible()
    timeline = page.get_by_role("region", name="办理过程")
    entries = timeline.get_by_role("listitem")
    expect(entries.filter(has=page.get_by_text("提交申请", exact=True))).to_contain_text(
        "状态：已提交"
    )
    accepted = entries.filter(has=page.get_by_text("受理", exact=True))
    expect(accepted).to_contain_text("状态：审查中")
    expect(accepted).to_contain_text("窗口人员")
    approvals = entries.filter(has=page.get_by_text("部门审查同意", exact=True))
    expect(approvals).to_have_count(2)
    expect(approvals.filter(has_text="市住房和城乡建设局")).to_contain_text(OPINION)
    expect(approvals.filter(has_text="市税务局")).to_contain_text(OPINION)
    concluded = entries.filter(has=page.get_by_text("审查通过，准予办理", exact=True))
    expect(concluded).to_contain_text("状态：准予")
    expect(page.get_by_role("region", name=re.compile("容缺受理：待补交"))).to_contain_text(
        "完税凭证"
    )
    screenshot(page, "lifecycle-11-case-approved")

    # And the database agrees with what everyone saw.
    case = Case.objects.get(number=number)
    assert case.status == "approved"
    assert case.owner == citizen
    assert [r.status for r in case.reviews.order_by("department__code")] == [
        ReviewStatus.APPROVED,
        ReviewStatus.APPROVED,
    ]
    assert {r.department.code for r in case.reviews.all()} == {"housing", "tax"}
    assert CaseEvent.objects.filter(case=case, action="conclude").count() == 1
    assert case.materials.get(material_type__name="完税凭证").status == "deferred"
