"""Deemed acceptance counts from submission (行政许可法 art. 32): an online case nobody
answered within 5 working days is accepted as of the day its materials were received."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case
from matters.calendar import add_working_days
from notices.models import Notice

from .conftest import requirement

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def cn(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def submitted_on(case: Case, day: datetime.date, hour: int = 10, minute: int = 0) -> None:
    at = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)
    Case.objects.filter(pk=case.pk).update(submitted_at=at)


def test_accepted_on_and_deadline_start_from_the_submission_day(make_case):
    case = make_case("submitted")
    today = timezone.localdate()
    day = today - datetime.timedelta(days=14)
    submitted_on(case, day)
    assert services.cases_deem_accepted(today=today) == [case.number]
    case.refresh_from_db()
    assert case.status == "in_review"
    assert case.accepted_on == day
    assert case.deadline == add_working_days(day, case.committed_days)
    assert case.deadline < add_working_days(today, case.committed_days)
    assert case.warning_on <= case.deadline
    event = case.events.get(action="accept")
    assert event.actor is None and "视为受理" in event.note and cn(day) in event.note
    # The applicant is told the same dates.
    sms = Notice.objects.get(template="case_accepted", channel="sms").text
    assert f"已于{cn(day)}受理" in sms and f"承诺于{cn(case.deadline)}前办结" in sms


def test_a_late_evening_submission_counts_on_its_local_day(make_case):
    """23:30 in Shanghai is 15:30 UTC the same day: still that day, not the next or previous."""
    case = make_case("submitted")
    day = timezone.localdate() - datetime.timedelta(days=12)
    submitted_on(case, day, hour=23, minute=30)
    services.cases_deem_accepted()
    case.refresh_from_db()
    assert case.accepted_on == day


def test_after_a_one_time_notice_the_resubmission_is_the_day_received(make_case, clerk, citizen):
    from .conftest import pdf

    case = make_case("submitted")
    services.case_request_supplement(
        case=case, by=clerk, missing=[requirement(case, "完税凭证")], reasons={}, note="缺印章"
    )
    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "完税凭证"), upload=pdf()
    )
    services.case_resubmit(case=case, by=citizen)
    case.refresh_from_db()
    assert case.status == "submitted"
    day = timezone.localdate() - datetime.timedelta(days=9)
    submitted_on(case, day)
    services.cases_deem_accepted()
    case.refresh_from_db()
    assert case.accepted_on == day


def test_a_clerk_accepts_as_of_today(make_case, clerk):
    """Only the deemed acceptance goes back to the submission day; a clerk's is today's."""
    case = make_case("submitted")
    submitted_on(case, timezone.localdate() - datetime.timedelta(days=3))
    services.case_accept(case=case, by=clerk)
    case.refresh_from_db()
    assert case.accepted_on == timezone.localdate()
    assert case.deadline == add_working_days(timezone.localdate(), case.committed_days)
