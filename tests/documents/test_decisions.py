"""Decision papers follow the matter's kind: a licensing decision only for 行政许可."""

import pytest

from cases import services
from matters.models import MatterKind
from notices.models import Notice
from tests.factories import BundleFactory, MatterFactory, UserFactory

from .conftest import applicant_of, document_text, pdf, squeeze

pytestmark = pytest.mark.django_db

# kind: (approved title, its words, denied title, its words)
EXPECTED = {
    MatterKind.LICENSING: (
        "准予行政许可决定书",
        "依照《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予行政许可",
        "不予行政许可决定书",
        "依照《中华人民共和国行政许可法》第三十八条第二款的规定，决定不予行政许可",
    ),
    MatterKind.CONFIRMATION: ("行政确认决定书", "决定予以确认", "不予确认决定书", "决定不予确认"),
    MatterKind.BENEFIT: ("准予给付决定书", "决定予以给付", "不予给付决定书", "决定不予给付"),
    MatterKind.RULING: ("行政裁决书", "作出裁决如下", "驳回裁决申请决定书", "决定驳回裁决申请"),
    MatterKind.REWARD: ("行政奖励决定书", "决定给予奖励", "不予奖励决定书", "决定不予奖励"),
    MatterKind.OTHER_POWER: ("准予办理决定书", "决定准予办理", "不予办理决定书", "决定不予办理"),
    MatterKind.PUBLIC_SERVICE: (
        "办理结果告知书",
        "已为你（单位）办理完毕",
        "不予办理告知书",
        "本次不予办理",
    ),
}


def test_every_kind_of_matter_has_its_wording():
    assert set(EXPECTED) == set(MatterKind.values)


@pytest.fixture
def decide(citizen, clerk, housing, django_capture_on_commit_callbacks):
    """Drive a case of a matter of ``kind`` to a decision; return the case."""

    def decide(kind: str, *, approve: bool, opinion: str = "", matter=None):
        matter = matter or MatterFactory(
            name="某某事项办理",
            kind=kind,
            lead_department=housing,
            result_name="办理结果证明",
            with_guide=False,
        )
        with django_capture_on_commit_callbacks(execute=True):
            case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
            services.case_submit(case=case, by=citizen)
            services.case_accept(case=case, by=clerk)
            for review in case.reviews.all():
                services.review_decide(
                    review=review,
                    by=UserFactory(approver=True, department=review.department),
                    decision="approve" if approve else "deny",
                    opinion=opinion or ("同意。" if approve else "申请人不符合条件。"),
                )
        case.refresh_from_db()
        assert case.status == ("approved" if approve else "denied")
        return case

    return decide


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_an_approval_is_worded_for_its_kind(decide, kind):
    title, words, _denied_title, _denied_words = EXPECTED[kind]
    case = decide(kind, approve=True)
    text = squeeze(document_text(case, "decision"))
    assert title in text and words in text
    assert case.documents.get(kind="decision").title == title
    if kind != MatterKind.LICENSING:
        assert "行政许可" not in text and "第三十八条" not in text
    # Only a ruling (binding both parties) tells how to contest an approval.
    assert ("行政复议" in text) == (kind == MatterKind.RULING)


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_a_denial_is_worded_for_its_kind(decide, kind):
    _title, _words, title, words = EXPECTED[kind]
    case = decide(kind, approve=False)
    text = squeeze(document_text(case, "decision"))
    assert title in text and words in text and "申请人不符合条件" in text
    assert case.documents.get(kind="decision").title == title
    if kind != MatterKind.LICENSING:
        assert "行政许可" not in text and "第三十八条" not in text
    if kind == MatterKind.PUBLIC_SERVICE:
        # A public service is not an administrative act: no reconsideration, a hotline.
        assert "行政复议" not in text and "12345" in text
    else:
        assert "60日内依法申请行政复议" in text and "6个月内依法向人民法院提起行政诉讼" in text


def test_the_case_api_names_the_paper_by_its_real_title(decide, citizen_api):
    case = decide(MatterKind.CONFIRMATION, approve=True)
    documents = citizen_api.get(f"/api/v1/cases/{case.number}/").json()["documents"]
    assert {d["kind"]: d["title"] for d in documents}["decision"] == "行政确认决定书"


@pytest.mark.parametrize(
    ("kind", "said", "remedy"),
    [
        (MatterKind.LICENSING, "未予许可，理由：", "行政复议"),
        (MatterKind.CONFIRMATION, "不予确认，理由：", "行政复议"),
        (MatterKind.BENEFIT, "不予给付，理由：", "行政复议"),
        (MatterKind.PUBLIC_SERVICE, "不予办理，理由：", "12345"),
    ],
)
def test_the_denial_notice_says_the_outcome_of_its_kind(decide, kind, said, remedy):
    decide(kind, approve=False)
    text = Notice.objects.get(template="case_denied", channel="sms").text
    assert said in text and remedy in text
    if kind != MatterKind.LICENSING:
        assert "许可" not in text
    if kind == MatterKind.PUBLIC_SERVICE:
        assert "行政复议" not in text


def test_a_bundle_of_one_kind_speaks_as_that_kind_and_mixed_kinds_never_as_licensing(
    decide, citizen, clerk, housing, django_capture_on_commit_callbacks
):
    def bundle_case(name, kinds):
        matters = [
            MatterFactory(
                name=f"{name}事项{index}", kind=kind, lead_department=housing, with_guide=False
            )
            for index, kind in enumerate(kinds)
        ]
        bundle = BundleFactory(name=name, matters=matters)
        with django_capture_on_commit_callbacks(execute=True):
            case = services.case_create(by=citizen, bundle=bundle, applicant=applicant_of(citizen))
            for material in case.materials.filter(required=True):
                services.material_upload(
                    case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
                )
            services.case_submit(case=case, by=citizen)
            services.case_accept(case=case, by=clerk)
            for review in case.reviews.all():
                services.review_decide(
                    review=review,
                    by=UserFactory(approver=True, department=review.department),
                    decision="approve",
                    opinion="同意",
                )
        return squeeze(document_text(case, "decision"))

    same = bundle_case("确认一件事", [MatterKind.CONFIRMATION, MatterKind.CONFIRMATION])
    assert "行政确认决定书" in same
    mixed = bundle_case("混合一件事", [MatterKind.LICENSING, MatterKind.PUBLIC_SERVICE])
    assert "准予办理决定书" in mixed and "行政许可" not in mixed


def test_the_delivery_receipt_lists_the_decision_by_its_title(
    decide, clerk, django_capture_on_commit_callbacks
):
    case = decide(MatterKind.BENEFIT, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_issue(case=case, by=clerk)
        services.case_collect(case=case, by=clerk)
    receipt = squeeze(document_text(case, "delivery_receipt"))
    assert "准予给付决定书" in receipt and "行政许可" not in receipt


def test_a_decision_snapshot_taken_before_kinds_still_renders_its_licensing_words(
    decide, django_capture_on_commit_callbacks
):
    from documents.services import document_regenerate, snapshot_hash

    case = decide(MatterKind.LICENSING, approve=True)
    document = case.documents.get(kind="decision")
    new_keys = {"decision_text", "reason_heading", "opinion_label", "with_remedies", "service"}
    document.context = {
        k: v for k, v in document.context.items() if k not in new_keys | {"seal_title"}
    }
    # Such a snapshot got its hash from migration 0005_h4_document_snapshot_sha256.
    document.snapshot_sha256 = snapshot_hash(document.context)
    document.save(update_fields=["context", "snapshot_sha256"])
    with django_capture_on_commit_callbacks(execute=True):
        document_regenerate(document=document)
    text = squeeze(document_text(case, "decision"))
    assert "准予行政许可决定书" in text and "第三十八条第一款" in text


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        (MatterKind.LICENSING, "已审批通过，办理结果：办理结果证明"),
        (MatterKind.CONFIRMATION, "已予以确认，办理结果：办理结果证明"),
        (MatterKind.PUBLIC_SERVICE, "已办理完毕，办理结果：办理结果证明"),
    ],
)
def test_the_approval_notice_says_the_outcome_of_its_kind(decide, kind, said):
    decide(kind, approve=True)
    assert said in Notice.objects.get(template="case_approved", channel="sms").text
