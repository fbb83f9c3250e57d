"""Issuing, handing over, trips and ratings."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.exceptions import CasePermissionError, InvalidTransitionError
from cases.models import FollowUp, Visit
from tests.factories import UserFactory

from .conftest import pdf, requirement

pytestmark = pytest.mark.django_db


def test_issue_is_refused_while_a_deferred_material_is_outstanding(make_case, clerk, citizen):
    case = make_case("approved", deferred=True)
    with pytest.raises(services.DeferredMaterialsOutstandingError) as excinfo:
        services.case_issue(case=case, by=clerk)
    assert "完税凭证" in excinfo.value.detail
    case.refresh_from_db()
    assert case.status == "approved"
    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "完税凭证"), upload=pdf()
    )
    assert case.events.filter(action="deferred_supplied").exists()
    services.case_issue(case=case, by=clerk)
    case.refresh_from_db()
    assert case.status == "ready"


def test_collect_at_the_window_is_a_trip_and_closes(make_case, clerk):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    services.case_collect(case=case, by=clerk)
    case.refresh_from_db()
    assert case.status == "closed"
    assert Visit.objects.filter(case=case, kind="collect").count() == 1


def test_two_visits_on_one_day_count_once(make_case, clerk):
    case = make_case("approved")
    today = case.accepted_on
    services.visit_record(case=case, by=clerk, kind="intake", on=today)
    services.visit_record(case=case, by=clerk, kind="collect", on=today)
    assert case.visits.count() == 1


def test_ship_needs_courier_and_a_waybill(make_case, clerk, citizen, matter):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    with pytest.raises(ValidationError):
        services.case_ship(case=case, by=clerk, waybill="EMS1234567890")  # pickup case
    courier = services.case_create(
        by=citizen,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name=citizen.name, phone=citizen.phone, id_number=citizen.id_number
        ),
        delivery=services.Delivery(
            method="courier",
            receiver="李四",
            phone="13800000000",
            province="浙江省",
            city="杭州市",
            district="西湖区",
            address="文三路100号1单元",
        ),
    )
    with pytest.raises(InvalidTransitionError):
        services.case_ship(case=courier, by=clerk, waybill="EMS1")
    assert courier.delivery_method == "courier"


def test_citizen_cannot_issue(make_case, citizen):
    case = make_case("approved")
    with pytest.raises(CasePermissionError):
        services.case_issue(case=case, by=citizen)


def test_rating_once_after_ready_and_a_bad_one_opens_a_follow_up(make_case, clerk, citizen):
    case = make_case("approved")
    with pytest.raises(InvalidTransitionError):
        services.rating_create(case=case, by=citizen, score=5)
    services.case_issue(case=case, by=clerk)
    rating = services.rating_create(case=case, by=citizen, score=2, comment="等待时间太长。")
    assert rating.channel == "online" and rating.is_bad
    follow_up = FollowUp.objects.get(rating=rating)
    assert follow_up.department == case.lead_department
    assert follow_up.due_date > case.accepted_on
    with pytest.raises(services.AlreadyRatedError):
        services.rating_create(case=case, by=citizen, score=5)


def test_good_rating_opens_nothing_and_the_window_rating_comes_by_link(make_case, clerk):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    token = services.rating_link_token(case)
    rating = services.rating_create_by_link(token=token, score=4)
    assert rating.channel == "window"
    assert not FollowUp.objects.exists()


def test_follow_up_outcomes_and_appeal(make_case, clerk, citizen, housing_approver, supervisor):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    rating = services.rating_create(case=case, by=citizen, score=1, comment="态度差")
    follow_up = rating.follow_up
    other = UserFactory(approver=True)
    with pytest.raises(CasePermissionError):
        services.follow_up_record(
            follow_up=follow_up, by=other, callback_note="已回访", outcome="rectified"
        )
    services.follow_up_record(
        follow_up=follow_up,
        by=housing_approver,
        callback_note="回访申请人，系误评。",
        outcome="appealed",
    )
    follow_up.refresh_from_db()
    assert follow_up.closed_at is None
    with pytest.raises(CasePermissionError):
        services.follow_up_decide_appeal(follow_up=follow_up, by=housing_approver, upheld=True)
    services.follow_up_decide_appeal(follow_up=follow_up, by=supervisor, upheld=True)
    follow_up.refresh_from_db()
    assert follow_up.closed_at is not None and follow_up.appeal_upheld is True
