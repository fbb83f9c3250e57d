"""Case papers: snapshotted at the event, rendered on first download, read back from the
PDF, served only to those who may see the case, and never twice."""

import pytest
from django.utils import timezone

from cases import services
from documents.models import Document
from documents.services import document_regenerate, snapshot_hash
from documents.tasks import render_document
from matters.calendar import add_working_days

from .conftest import cn, document_text, ready_document, requirement, squeeze

pytestmark = pytest.mark.django_db


def test_acceptance_receipt_states_case_materials_deadline_and_tracking(
    make_case, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review")
    text = squeeze(document_text(case, "receipt"))
    assert "受理通知书" in text
    assert case.number in text
    assert "不动产转移登记" in text
    assert "居民身份证" in text and "完税凭证" in text
    assert "5个工作日" in text
    assert cn(case.deadline) in text
    assert cn(case.accepted_on) in text
    assert f"/track/?number={case.number}" in text
    # The applicant is masked: family name and ID number ends only.
    assert citizen.name not in text and citizen.name[0] + "*" in text
    assert citizen.id_number not in text
    assert citizen.id_number[-4:] in text
    assert "窗口领取" in text


def test_deferred_acceptance_gives_a_commitment_and_a_receipt_with_the_due_date(
    make_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review", deferred=True)
    due = cn(add_working_days(timezone.localdate(), 5))  # as make_case defers
    receipt = squeeze(document_text(case, "receipt"))
    assert "容缺后补材料" in receipt and "完税凭证" in receipt and due in receipt
    commitment = squeeze(document_text(case, "commitment"))
    assert "容缺受理承诺书" in commitment
    assert "完税凭证" in commitment and due in commitment
    # Confirmed online by the applicant: no signature line to sign.
    assert "在网上办事大厅确认本承诺" in commitment


def test_one_time_notice_lists_everything_missing_with_reasons(
    make_case, clerk, django_capture_on_commit_callbacks
):
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_request_supplement(
            case=case,
            by=clerk,
            missing=[requirement(case, "居民身份证"), requirement(case, "完税凭证")],
            reasons={
                requirement(case, "居民身份证"): "身份证已过有效期",
                requirement(case, "完税凭证"): "缺少税务机关印章",
            },
        )
    text = squeeze(document_text(case, "one_time_notice"))
    assert "一次性告知书" in text
    assert "居民身份证" in text and "身份证已过有效期" in text
    assert "完税凭证" in text and "缺少税务机关印章" in text


def test_refusal_gives_the_reason_and_the_remedies(
    make_case, clerk, django_capture_on_commit_callbacks
):
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject(case=case, by=clerk, reason="申请事项不属于本机关职权范围")
    text = squeeze(document_text(case, "refusal"))
    assert "不予受理通知书" in text
    assert "申请事项不属于本机关职权范围" in text
    assert "60日内依法申请行政复议" in text and "6个月内依法向人民法院提起行政诉讼" in text


def test_return_gives_a_supplement_notice(
    make_case, housing_approver, tax_approver, django_capture_on_commit_callbacks
):
    case = make_case("in_review")
    services.review_decide(
        review=case.reviews.get(department__code="housing"),
        by=housing_approver,
        decision="approve",
        opinion="同意。",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_decide(
            review=case.reviews.get(department__code="tax"),
            by=tax_approver,
            decision="return",
            opinion="完税凭证缺少印章。",
            missing=[requirement(case, "完税凭证")],
        )
    text = squeeze(document_text(case, "supplement_notice"))
    assert "补正通知书" in text and "完税凭证" in text


def test_approval_and_denial_decisions(
    make_case, housing_approver, tax_approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved = make_case("approved")
    text = squeeze(document_text(approved, "decision"))
    assert "准予行政许可决定书" in text and approved.number in text
    assert cn(timezone.localdate(approved.decided_at)) in text

    denied = make_case("in_review")
    with django_capture_on_commit_callbacks(execute=True):
        for review, approver in zip(
            denied.reviews.order_by("department__code"),
            [housing_approver, tax_approver],
            strict=True,
        ):
            services.review_decide(
                review=review, by=approver, decision="deny", opinion="房屋已被司法查封。"
            )
    text = squeeze(document_text(denied, "decision"))
    assert "不予行政许可决定书" in text and "房屋已被司法查封" in text and "行政复议" in text


def test_collection_gives_a_delivery_receipt(make_case, clerk, django_capture_on_commit_callbacks):
    case = make_case("approved")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_issue(case=case, by=clerk)
        services.case_collect(case=case, by=clerk)
    text = squeeze(document_text(case, "delivery_receipt"))
    assert "送达回证" in text and "窗口领取" in text and cn(timezone.localdate()) in text


def test_rendering_twice_and_regenerating_give_the_same_single_document(
    make_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review")
    document = ready_document(case, "receipt")
    first = (document.sha256, document.file.name)
    assert render_document.delay(document.pk).get() == "done"
    with django_capture_on_commit_callbacks(execute=True):
        document_regenerate(document=document)
    document.refresh_from_db()
    assert document.status == "ready"
    assert (document.sha256, document.file.name) == first
    assert Document.objects.filter(case=case, kind="receipt").count() == 1


def test_a_document_is_recorded_in_the_event_transaction_with_its_snapshot_hash(
    make_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review")
    document = case.documents.get(kind="receipt")
    # Nothing rendered at the event (nor queued for it): its first download renders it.
    assert document.status == "pending" and not document.file
    assert document.snapshot_sha256 == snapshot_hash(document.context)


def test_download_is_for_those_who_may_see_the_case(
    make_case, citizen, other_citizen, clerk, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review")
    url = f"/cases/{case.number}/documents/receipt.pdf"
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/cases/{case.number}/documents/decision.pdf").status_code == 404
    client.force_login(clerk)
    assert client.get(url).status_code == 200


def test_case_api_lists_documents_with_their_download_links(
    make_case, citizen_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review", deferred=True)
    data = citizen_api.get(f"/api/v1/cases/{case.number}/").json()
    assert sorted(d["kind"] for d in data["documents"]) == ["commitment", "receipt"]
    assert {d["url"] for d in data["documents"]} == {
        f"/cases/{case.number}/documents/receipt.pdf",
        f"/cases/{case.number}/documents/commitment.pdf",
    }
