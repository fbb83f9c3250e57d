"""A deferral's due date (容缺补齐日期) is a working day of the hall calendar."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
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
def test_a_due_date_off_the_calendar_is_refused_naming_the_date(make_case, clerk, pick):
    case = make_case("submitted", deferred=True)
    due = pick()
    assert not is_working_day(due)
    with pytest.raises(ValidationError) as excinfo:
        services.case_accept(
            case=case, by=clerk, deferred=[requirement(case, TAX_PROOF)], due_date=due
        )
    assert any(due.isoformat() in message for message in excinfo.value.message_dict["deferred"])
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.materials.get(material_type__name=TAX_PROOF).status == "missing"


def test_the_api_answers_400_naming_the_date_and_accepts_a_working_day(make_case, clerk):
    case = make_case("submitted", deferred=True)
    desk = APIClient()
    desk.force_authenticate(clerk)
    endpoint = f"/api/v1/cases/{case.number}/accept/"
    saturday = _next_weekend_day()
    refused = desk.post(
        endpoint,
        {"deferred": [requirement(case, TAX_PROOF)], "due_date": saturday.isoformat()},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "invalid"
    assert saturday.isoformat() in str(refused.json())
    case.refresh_from_db()
    assert case.status == "submitted"

    monday = add_working_days(saturday, 1)
    accepted = desk.post(
        endpoint,
        {"deferred": [requirement(case, TAX_PROOF)], "due_date": monday.isoformat()},
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
