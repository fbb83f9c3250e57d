"""Texts that end with what a person wrote end with one full stop, and print it as written."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from cases import services
from notices.models import Notice
from notices.services import render_notice
from notices.templatetags.sentences import clause, sentence

from .conftest import document_text, requirement, squeeze

pytestmark = pytest.mark.django_db


def sms(template: str) -> str:
    return Notice.objects.get(template=template, channel="sms").text


@pytest.mark.parametrize(
    ("written", "as_sentence", "as_clause"),
    [
        ("不属于本机关职权范围", "不属于本机关职权范围。", "不属于本机关职权范围"),
        ("不属于本机关职权范围。", "不属于本机关职权范围。", "不属于本机关职权范围"),
        ("不属于本机关职权范围。。 ", "不属于本机关职权范围。", "不属于本机关职权范围"),
        ("材料不全；", "材料不全。", "材料不全"),
        ("真的吗？", "真的吗？", "真的吗"),
        ("Wrong file.", "Wrong file。", "Wrong file"),  # a Chinese text closes with 。
        ("", "", ""),
    ],
)
def test_sentence_and_clause(written, as_sentence, as_clause):
    assert sentence(written) == as_sentence
    assert clause(written) == as_clause


@pytest.mark.parametrize(
    "reason", ["申请事项不属于本机关职权范围。", "申请事项不属于本机关职权范围"]
)
def test_a_refusal_reason_ends_with_one_full_stop_in_notice_and_paper(
    reason, make_case, clerk, django_capture_on_commit_callbacks
):
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject(case=case, by=clerk, reason=reason)
    text = sms("case_rejected")
    assert "理由：申请事项不属于本机关职权范围。如有异议" in text
    paper = squeeze(document_text(case, "refusal"))
    assert "申请事项不属于本机关职权范围。救济途径" in paper
    assert "。。" not in text and "。。" not in paper


def test_denial_opinions_are_joined_without_doubled_stops_in_notice_and_paper(
    make_case, housing_approver, tax_approver, django_capture_on_commit_callbacks
):
    case = make_case("in_review")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_decide(
            review=case.reviews.get(department__code="housing"),
            by=housing_approver,
            decision="deny",
            opinion="房屋已被司法查封。",
        )
        services.review_decide(
            review=case.reviews.get(department__code="tax"),
            by=tax_approver,
            decision="deny",
            opinion="不符合契税减免条件。",
        )
    text = sms("case_denied")
    assert "房屋已被司法查封；市税务局：不符合契税减免条件。如有异议" in text
    paper = squeeze(document_text(case, "decision"))
    for doubled in ("。。", "。；", "。。"):
        assert doubled not in text and doubled not in paper


def test_supplement_reasons_sit_in_brackets_without_their_stop(make_case, clerk):
    case = make_case("submitted")
    services.case_request_supplement(
        case=case,
        by=clerk,
        missing=[requirement(case, "完税凭证")],
        reasons={requirement(case, "完税凭证"): "金额与购房合同不符。"},
    )
    text = sms("case_supplement_required")
    assert "1. 完税凭证（金额与购房合同不符）。" in text
    assert "。）" not in text


def test_notice_texts_print_what_was_written_not_html(make_case, clerk):
    case = make_case("submitted")
    services.case_reject(case=case, by=clerk, reason="“A&B”公司<分公司>无权申请")
    text = sms("case_rejected")
    assert "“A&B”公司<分公司>无权申请。" in text and "&amp;" not in text and "&lt;" not in text


def test_no_template_doubles_a_stop_whatever_the_reason_ends_with():
    context = {
        "hall": "西湖区政务服务中心",
        "phone": "0571-87000000",
        "number": "20260305-00001",
        "matter": "不动产转移登记",
        "deadline": datetime.date(2026, 3, 12),
        "accepted_on": datetime.date(2026, 3, 5),
        "track_url": "https://zwfw.example.gov.cn/track/",
        "missing": [{"name": "完税凭证", "reason": "金额不符。"}],
        "reason": "不符合条件。",
        "waybill": "SF1234567890",
        "kind": "现场勘查",
        "days": 3,
        "department": "市税务局",
    }
    folder = Path(settings.BASE_DIR) / "notices" / "templates" / "notices"
    for path in folder.glob("*.txt"):
        _subject, text = render_notice(path.stem, context)
        assert "。。" not in text and "。）" not in text, path.stem
        if "理由：" in text:
            assert "理由：不符合条件。" in text, path.stem
