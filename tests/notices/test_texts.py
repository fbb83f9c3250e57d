"""Every notice text says what its reader needs, driven by real case flows (hall/reactions.py)
and the scheduled scans (hall/scans.py)."""

import datetime
import re

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, FollowUp
from hall import scans
from halls.selectors import city_centre
from notices.models import Notice
from notices.services import render_notice
from tests.factories import MatterFactory, UserFactory

from .conftest import cn, notices_of, only_text, requirement

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(autouse=True)
def _hall(settings):
    settings.HALL_NAME = "西湖区政务服务中心"
    settings.HALL_PHONE = "0571-87000000"
    settings.HALL_HOURS = "工作日 9:00-12:00、13:30-17:00"
    settings.SITE_URL = "https://zwfw.example.gov.cn"


def assert_chinese_dates_only(text: str) -> None:
    assert not ISO_DATE.search(text), text


def test_submitted_names_the_case_and_the_five_day_promise(make_case, citizen):
    case = make_case("submitted")
    text = only_text("case_submitted")
    assert "【西湖区政务服务中心】" in text
    assert case.number in text and "不动产转移登记" in text
    assert "5个工作日内受理或一次性告知" in text
    assert "https://zwfw.example.gov.cn/track/" in text
    sms = Notice.objects.get(template="case_submitted", channel="sms")
    assert sms.address == case.applicant_phone == citizen.phone
    assert sms.subject == "办件已提交"
    inbox = Notice.objects.get(template="case_submitted", channel="inbox")
    assert inbox.recipient == citizen and inbox.text == text


def test_one_time_notice_lists_every_missing_material_with_its_reason(make_case, clerk):
    case = make_case("submitted")
    services.case_request_supplement(
        case=case,
        by=clerk,
        missing=[requirement(case, "完税凭证"), requirement(case, "授权委托书")],
        reasons={
            requirement(case, "完税凭证"): "金额与购房合同不符",
            requirement(case, "授权委托书"): "未经公证",
        },
    )
    text = only_text("case_supplement_required")
    assert case.number in text and "一次性告知" in text
    assert "1. 完税凭证（金额与购房合同不符）" in text
    assert "2. 授权委托书（未经公证）" in text
    assert "居民身份证" not in text  # received: not asked for


def test_accepted_gives_both_dates_in_chinese(make_case):
    case = make_case("in_review")
    text = only_text("case_accepted")
    assert case.accepted_on == timezone.localdate()
    assert f"已于{cn(case.accepted_on)}受理" in text
    assert f"承诺于{cn(case.deadline)}前办结" in text
    assert "容缺" not in text
    assert_chinese_dates_only(text)


def test_accepted_with_deferral_names_the_materials_and_their_due_date(make_case):
    case = make_case("in_review", deferred=True)
    due = case.materials.get(material_type__name="完税凭证").due_date
    text = only_text("case_accepted")
    assert f"容缺材料：完税凭证，请于{cn(due)}前补齐" in text
    assert f"承诺于{cn(case.deadline)}前办结" in text


def test_refusal_gives_the_reason_and_the_remedy(make_case, clerk):
    case = make_case("submitted")
    services.case_reject(case=case, by=clerk, reason="申请事项不属于本机关职权范围")
    text = only_text("case_rejected")
    assert case.number in text
    assert "不予受理，理由：申请事项不属于本机关职权范围" in text
    assert "行政复议" in text and "0571-87000000" in text


def test_review_assigned_tells_each_departments_approvers(
    make_case, housing_approver, tax_approver
):
    housing_approver.phone = "13700000001"
    housing_approver.save()
    case = make_case("in_review")
    assert {n.recipient for n in notices_of("review_assigned", channel="inbox")} == {
        housing_approver,
        tax_approver,
    }
    housing = only_text("review_assigned", channel="inbox", recipient=housing_approver)
    assert "市住房和城乡建设局有新的审查任务" in housing
    assert case.number in housing and "不动产转移登记" in housing
    assert f"办结期限{cn(case.deadline)}" in housing
    assert "市税务局" in only_text("review_assigned", channel="inbox", recipient=tax_approver)
    # SMS only to staff with a mobile on file.
    assert [n.address for n in notices_of("review_assigned", channel="sms")] == ["13700000001"]


def test_reviews_returned_give_one_merged_list_and_reopened_reviews_are_assigned_again(
    make_case, citizen, housing_approver, tax_approver
):
    case = make_case("in_review")
    housing_review = case.reviews.get(department__code="housing")
    services.review_decide(
        review=housing_review,
        by=housing_approver,
        decision="return",
        opinion="完税凭证金额与合同不符",
        missing=[requirement(case, "完税凭证")],
    )
    assert not notices_of("case_supplement_required")  # one list, once all have decided
    services.review_decide(
        review=case.reviews.get(department__code="tax"),
        by=tax_approver,
        decision="return",
        opinion="请提供授权委托书",
        missing=[requirement(case, "授权委托书")],
    )
    text = only_text("case_supplement_required")
    assert "完税凭证（住建：完税凭证金额与合同不符）" in text
    assert "授权委托书（税务：请提供授权委托书）" in text

    from .conftest import pdf

    for name in ("完税凭证", "授权委托书"):
        services.material_upload(
            case=case, by=citizen, requirement_id=requirement(case, name), upload=pdf()
        )
    services.case_resubmit(case=case, by=citizen)
    assigned = notices_of("review_assigned", channel="inbox", recipient=housing_approver)
    assert [n.key for n in assigned] == [
        f"review:{housing_review.pk}:round:1",
        f"review:{housing_review.pk}:round:2",
    ]


def test_approved_names_the_result_and_how_it_comes(make_case, courier_case):
    make_case("approved")
    text = only_text("case_approved")
    assert "已审批通过，办理结果：准予许可决定书" in text
    assert "出件后我们将通知您领取" in text
    Notice.objects.all().delete()
    courier_case("approved")
    assert "结果将通过快递免费寄送给您" in only_text("case_approved")


def test_denial_gives_each_departments_reason(make_case, housing_approver, tax_approver):
    case = make_case("in_review")
    services.review_decide(
        review=case.reviews.get(department__code="housing"),
        by=housing_approver,
        decision="approve",
        opinion="同意。",
    )
    services.review_decide(
        review=case.reviews.get(department__code="tax"),
        by=tax_approver,
        decision="deny",
        opinion="不符合契税减免条件",
    )
    text = only_text("case_denied")
    assert case.number in text
    assert "未予许可，理由：市税务局：不符合契税减免条件" in text
    assert "行政复议" in text and "0571-87000000" in text


def test_ready_to_collect_says_where_and_when(make_case, clerk):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    text = only_text("case_ready_pickup")
    assert case.number in text
    # At the pickup hall (here the city centre, where it was taken in), with its address and
    # its own hours.
    centre = city_centre()
    assert f"到{centre.name}统一出件窗口领取（{centre.address}；" in text
    assert "周一至周五 09:00–12:00" in text
    assert "身份证件" in text


def test_courier_case_issued_says_nothing_until_shipped_with_its_waybill(courier_case, clerk):
    case = courier_case("ready")
    assert not notices_of("case_ready_pickup")
    services.case_ship(case=case, by=clerk, waybill="SF1234567890")
    text = only_text("case_shipped")
    assert case.number in text and "运单号SF1234567890" in text


def test_waybill_from_the_courier_is_told_when_it_arrives(courier_case, clerk):
    case = courier_case("ready")
    services.case_ship(case=case, by=clerk)
    assert not notices_of("case_shipped")
    services.case_record_waybill(case=case, waybill="YT9876543210")
    assert "运单号YT9876543210" in only_text("case_shipped")
    services.case_record_waybill(case=case, waybill="YT9876543210")  # a repeat tells nothing
    assert len(notices_of("case_shipped", channel="sms")) == 1


def test_delivered_and_delivery_failed(courier_case, clerk):
    case = courier_case("ready")
    services.case_ship(case=case, by=clerk, waybill="SF1234567890")
    services.case_delivery_failed(case=case, reason="收件人电话无法接通")
    text = only_text("delivery_failed")
    assert "运单号SF1234567890" in text and "收件人电话无法接通" in text
    assert "0571-87000000" in text
    # The hall hears too: every clerk, in the portal.
    assert clerk in {n.recipient for n in notices_of("delivery_failed", channel="inbox")}
    services.case_deliver(case=case, by=clerk)
    text = only_text("case_delivered")
    assert case.number in text and "已送达签收" in text and "评价" in text


def test_special_procedure_and_extension_are_told_in_writing(make_case, housing_approver):
    case = make_case("in_review")
    services.special_procedure_start(
        case=case,
        by=housing_approver,
        kind="inspection",
        reason="需现场核实房屋状况",
        expected_days=3,
    )
    text = only_text("special_procedure")
    assert "需进行现场勘查，预计3个工作日" in text
    assert "不计入办理时限" in text and "需现场核实房屋状况" in text
    procedure = case.special_procedures.get()
    services.special_procedure_end(procedure=procedure, by=housing_approver)
    extension = services.extension_request(
        case=case, by=housing_approver, days=5, reason="需征求规划部门意见"
    )
    supervisor = UserFactory(supervisor=True)
    services.extension_decide(extension=extension, by=supervisor, grant=True)
    case.refresh_from_db()
    text = only_text("extension_granted")
    assert "办理时限延长5个工作日" in text
    assert f"新的办结期限为{cn(case.deadline)}" in text
    assert "需征求规划部门意见" in text


def test_deadline_warnings_name_the_case_and_its_deadline(
    make_case, housing_approver, tax_approver
):
    case = make_case("in_review")
    supervisor = UserFactory(supervisor=True, phone="13700000009")
    scans.deadlines_scan(today=case.warning_on)
    yellow = only_text("deadline_yellow", channel="sms", recipient=supervisor)
    assert "预警" in yellow and case.number in yellow and "不动产转移登记" in yellow
    assert f"办结期限{cn(case.deadline)}" in yellow
    scans.deadlines_scan(today=case.deadline + datetime.timedelta(days=1))
    red = only_text("deadline_red", channel="sms", recipient=supervisor)
    assert "督办" in red and case.number in red
    assert f"已超过办结期限{cn(case.deadline)}" in red
    for text in (yellow, red):
        assert_chinese_dates_only(text)
    assert Notice.objects.get(template="deadline_red", channel="sms").subject == (
        "办件已超期（红灯）"
    )


def test_deferred_material_reminder_names_material_date_and_days_left(make_case, clerk, citizen):
    from matters.calendar import add_working_days

    case = make_case("submitted", deferred=True)
    due = add_working_days(timezone.localdate(), 5)
    services.case_commit_deferral(case=case, by=citizen, due_date=due)
    services.case_accept(
        case=case, by=clerk, deferred=[requirement(case, "完税凭证")], due_date=due
    )
    material = case.materials.get(material_type__name="完税凭证")
    assert material.due_date == due
    two_days_before = _working_days_before(due, 2)
    scans.deferred_materials_remind(today=two_days_before)
    text = only_text("deferred_due")
    assert case.number in text
    assert f"容缺受理的材料完税凭证须于{cn(material.due_date)}前补齐，还剩2个工作日" in text
    assert only_text("deferred_due", channel="inbox", recipient=citizen) == text


def test_follow_up_reminder_tells_the_department(make_case, clerk, citizen, housing_approver):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    rating = services.rating_create(case=case, by=citizen, score=1, comment="等待太久")
    follow_up = FollowUp.objects.get(rating=rating)
    scans.follow_ups_remind(today=_working_days_before(follow_up.due_date, 1))
    text = only_text("follow_up_due", channel="inbox", recipient=housing_approver)
    assert case.number in text and f"须于{cn(follow_up.due_date)}前完成回访和处理" in text


def test_a_bundle_case_names_the_bundle(citizen, clerk, housing):
    from tests.factories import BundleFactory

    first = MatterFactory(name="营业执照设立登记", lead_department=housing)
    second = MatterFactory(name="刻章备案", lead_department=housing)
    bundle = BundleFactory(name="开办企业一件事", matters=[first, second])
    from .conftest import applicant_of, pdf

    case = services.case_create(by=citizen, bundle=bundle, applicant=applicant_of(citizen))
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)
    assert "“开办企业一件事”已提交" in only_text("case_submitted")


def test_every_template_renders_a_subject_and_a_text():
    """Each template on its own, with a context as the reactions build it."""
    context = {
        "hall": "西湖区政务服务中心",
        "phone": "0571-87000000",
        "number": "20260305-00001",
        "matter": "不动产转移登记",
        "deadline": datetime.date(2026, 3, 12),
        "accepted_on": datetime.date(2026, 3, 5),
        "track_url": "https://zwfw.example.gov.cn/track/",
        "deferred": ["完税凭证"],
        "due_date": datetime.date(2026, 3, 10),
        "missing": [{"name": "完税凭证", "reason": "金额不符"}],
        "reason": "不符合条件",
        "result": "准予许可决定书",
        "place": "西湖区政务服务中心",
        "hours": "工作日 9:00-17:00",
        "waybill": "SF1234567890",
        "materials": ["完税凭证", "购房合同"],
        "days_left": 2,
        "department": "市税务局",
        "kind": "现场勘查",
        "days": 3,
    }
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "notices" / "templates" / "notices"
    names = sorted(path.stem for path in folder.glob("*.txt"))
    assert len(names) >= 17
    for name in names:
        subject, text = render_notice(name, context)
        assert subject and text and subject != text, name
        assert text.startswith("【西湖区政务服务中心】"), name
        assert "{{" not in text and "{%" not in text, name
        assert_chinese_dates_only(text)
    assert (
        "完税凭证、购房合同须于2026年3月10日前补齐，还剩2个工作日"
        in render_notice("deferred_due", context)[1]
    )
    assert "还剩" not in render_notice("deferred_due", {**context, "days_left": 0})[1]


def _working_days_before(day: datetime.date, n: int) -> datetime.date:
    """The date ``n`` working days before ``day`` (the reminder's day)."""
    from matters.calendar import add_working_days

    candidate = day
    while add_working_days(candidate, n) > day or add_working_days(candidate, n) < day:
        candidate -= datetime.timedelta(days=1)
        assert (day - candidate).days < 30
    return candidate


def test_case_numbers_are_not_confused_between_cases(make_case):
    first, second = make_case("submitted"), make_case("submitted")
    texts = {n.text for n in notices_of("case_submitted", channel="sms")}
    assert len(texts) == 2
    assert {Case.objects.get(pk=first.pk).number, second.number} == {
        re.search(r"办件编号(\S+?)。", text).group(1) for text in texts
    }
