"""A deferral's due date (容缺补齐日期) is a working day of the hall calendar."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import DeferralCommitment
from matters.calendar import add_working_days, is_working_day
from matters.models import CalendarDay, CalendarDayKind
from tests.cases.conftest import requirement

from .helpers import checklist_data, url

pytestmark = pytest.mark.django_db

KEY, TAX_PROOF, LETTER = "居民身份证", "完税凭证", "授权委托书"


def _next_weekend_day() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() < 5:
        day += datetime.timedelta(days=1)
    return day


def _a_weekday_made_holiday() -> datetime.date:
    day = add_working_days(timezone.localdate(), 3)
    CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": CalendarDayKind.HOLIDAY, "name": "测试假日"}
    )
    return day


@pytest.mark.parametrize("pick", [_next_weekend_day, _a_weekday_made_holiday])
def test_a_due_date_off_the_calendar_is_refused_naming_the_date(make_case, citizen, pick):
    """Online, the date is the applicant's own commitment: refused there."""
    case = make_case("submitted", deferred=True)
    due = pick()
    assert not is_working_day(due)
    with pytest.raises(ValidationError) as excinfo:
        services.case_commit_deferral(case=case, by=citizen, due_date=due)
    assert any(due.isoformat() in message for message in excinfo.value.message_dict["due_date"])
    assert not DeferralCommitment.objects.filter(case=case).exists()


def test_the_api_answers_400_naming_the_date_and_accepts_a_working_day(make_case, clerk, citizen):
    case = make_case("submitted", deferred=True)
    owner, desk = APIClient(), APIClient()
    owner.force_authenticate(citizen)
    desk.force_authenticate(clerk)
    saturday = _next_weekend_day()
    refused = owner.post(
        f"/api/v1/cases/{case.number}/commitment/",
        {"due_date": saturday.isoformat()},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "invalid"
    assert saturday.isoformat() in str(refused.json())

    monday = add_working_days(saturday, 1)
    committed = owner.post(
        f"/api/v1/cases/{case.number}/commitment/",
        {"due_date": monday.isoformat()},
        format="json",
    )
    assert committed.status_code == 200, committed.content
    assert committed.json()["commitment"]["due_date"] == monday.isoformat()
    accepted = desk.post(
        f"/api/v1/cases/{case.number}/accept/",
        {"deferred": [requirement(case, TAX_PROOF)]},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    material = case.materials.get(material_type__name=TAX_PROOF)
    assert (material.status, material.due_date) == ("deferred", monday)


def test_the_desk_shows_the_refusal_and_keeps_the_case(clerk, matter, make_case):
    from django.test import Client

    case = services.case_create(
        by=clerk,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name="陈晓东", phone="13900001111", id_number="11010519491231002X"
        ),
    )
    client = Client()
    client.force_login(clerk)
    sunday = _next_weekend_day()
    marks = {KEY: "received", TAX_PROOF: "deferred", LETTER: "none"}
    response = client.post(
        url("case-intake", case.number),
        checklist_data(case, "defer", marks, due_date=sunday.isoformat(), commitment_signed="on"),
    )
    assert response.status_code == 400
    assert sunday.isoformat() in response.content.decode()
    case.refresh_from_db()
    assert case.status == "draft"
