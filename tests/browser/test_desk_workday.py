"""A working day in a real Chromium at a counter PC's 1366×768: the clerk takes a walk-in
applicant from the queue panel to the desk, accepts the application and prints the receipt;
the approver opens the admin on their review queue and gives the final approval.

Set ``ONETRIP_SCREENSHOTS=/some/dir`` to keep a screenshot of each screen (viewport only)."""

import datetime
import os
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from tests.browser.helpers import sign_in
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import drive_case
from tests.factories import UserFactory
from windows.models import Window
from windows.services import ticket_take

housing, tax, matter, clerk = (
    case_fixtures.housing,
    case_fixtures.tax,
    case_fixtures.matter,
    case_fixtures.clerk,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1366, "height": 768}


def shot(page, name: str) -> None:
    directory = os.environ.get("ONETRIP_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), type="png")


def test_walk_in_from_the_queue_to_the_printed_receipt(page, clerk, citizen, matter):
    page.set_viewport_size(DESKTOP)
    window = Window.objects.create(number=3, name="不动产窗口", clerk=clerk)
    window.boards.add(matter.board)
    ticket = ticket_take(board=matter.board, id_number=citizen.id_number)

    sign_in(page, clerk, "/desk/")
    page.get_by_role("link", name="叫号", exact=True).click()
    expect(page).to_have_url(re.compile(r"/desk/queue/$"))
    page.locator("#call-next").click()
    expect(page.locator("#current-ticket")).to_have_text(ticket.number)
    shot(page, "queue-panel-after")

    # 开始办理: the desk, ready for this applicant (masked), their matter one click away.
    page.get_by_role("button", name="开始办理").click()
    expect(page).to_have_url(re.compile(r"/desk/\?serving=\d+$"))
    expect(page.locator(".messages")).to_contain_text(f"正在办理 {ticket.number}")
    expect(page.locator(".desk-prefill")).to_contain_text("新办申请将预填")
    expect(page.locator(".desk-prefill")).not_to_contain_text(citizen.id_number)
    page.locator(".desk-pick").get_by_role("link", name="不动产转移登记").click()
    expect(page.get_by_label("身份证号码", exact=False).first).to_have_value(citizen.id_number)
    page.get_by_role("button", name="建立申请，核对材料").click()

    # The checklist, then 受理 with the applicant at the counter.
    page.get_by_role("group", name="居民身份证核对结果").get_by_label("已收取").check()
    page.get_by_role("group", name="完税凭证核对结果").get_by_label("已收取").check()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator(".case-head")).to_contain_text("审查中")
    case = Case.objects.get(applicant_id_number=citizen.id_number)

    offer = page.get_by_role("region", name="请打印交申请人")
    receipt = offer.get_by_role("link", name="打印受理通知书")
    expect(receipt).to_be_visible()
    expect(receipt).to_have_attribute("target", "_blank")
    shot(page, "desk-receipt-after")
    # One click: the PDF opens in a new tab (rendered by this first download).
    with page.context.expect_page() as opened:
        receipt.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.endswith(f"/cases/{case.number}/documents/receipt.pdf")
    pdf = page.request.get(receipt.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    tab.close()

    # Every paper of the case stays one click away in the side column.
    papers = page.get_by_role("region", name="办件文书（打印）")
    expect(papers.locator("[data-paper]")).to_have_count(1)
    expect(papers).to_contain_text("受理通知书")


def test_the_approver_starts_on_the_queue_and_approves_at_once(
    page, clerk, citizen, matter, housing, tax
):
    page.set_viewport_size(DESKTOP)
    approver = UserFactory(approver=True, department=housing, name="赵审批")
    tax_approver = UserFactory(approver=True, department=tax, name="钱审批")
    cases = [drive_case("in_review", owner=citizen, clerk=clerk, matter=matter) for _ in range(3)]
    today = timezone.localdate()
    Case.objects.filter(pk=cases[1].pk).update(
        deadline=today - datetime.timedelta(days=1), warning_on=today - datetime.timedelta(days=4)
    )
    final = cases[0]
    services.review_decide(
        review=final.reviews.get(department=tax),
        by=tax_approver,
        decision="approve",
        opinion="同意。",
    )

    sign_in(page, approver)
    page.goto("/admin/")
    expect(page).to_have_title(re.compile("政务服务管理后台"))
    expect(page.locator("body")).not_to_contain_text("Django")
    expect(page.get_by_role("heading", level=1)).to_have_text("赵审批，您好")
    summary = page.get_by_role("region", name=re.compile("我的审查队列"))
    expect(summary.locator('[data-count="pending"] strong')).to_have_text("3")
    expect(summary.locator('[data-count="red"] strong')).to_have_text("1")
    expect(page.locator("#content .module").first).to_have_id("review-queue-summary")
    expect(page.get_by_role("link", name="事项", exact=True)).to_have_count(0)
    shot(page, "admin-after")

    summary.get_by_role("link", name=re.compile("已超期")).click()
    expect(page.locator("#result_list")).to_contain_text(cases[1].number)
    expect(page.locator("#result_list")).not_to_contain_text(final.number)

    page.goto("/admin/cases/review/")
    page.get_by_role("link", name=final.number, exact=True).click()
    decision = page.locator("form", has=page.get_by_role("button", name="提交审查结论"))
    decision.get_by_label("同意", exact=True).check()
    decision.get_by_label("审查意见").fill("材料齐全，同意。")
    started = time.perf_counter()
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        decision.get_by_role("button", name="提交审查结论").click()
    assert answered.value.status == 302
    post = time.perf_counter() - started
    expect(page.locator(".messagelist")).to_contain_text("办件状态：准予")
    shown = time.perf_counter() - started
    # A figure for the record (bench/README.md), not a timed assertion.
    print(f"final approval: POST answered in {post * 1000:.0f} ms, shown in {shown * 1000:.0f} ms")
    final.refresh_from_db()
    assert final.status == "approved"
    assert set(final.documents.values_list("status", flat=True)) == {"pending"}
