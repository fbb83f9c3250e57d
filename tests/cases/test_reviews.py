"""Parallel department reviews and how the case concludes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.exceptions import CasePermissionError, InvalidTransitionError
from cases.models import CaseEvent, MaterialStatus, ReviewStatus
from matters.calendar import add_working_days
from tests.factories import UserFactory

from .conftest import pdf, requirement

pytestmark = pytest.mark.django_db


def decide(case, department_code, decision, by, **kwargs):
    review = case.reviews.get(department__code=department_code)
    return services.review_decide(
        review=review, by=by, decision=decision, opinion=kwargs.pop("opinion", "意见。"), **kwargs
    )


def test_case_waits_for_every_review_then_is_approved(make_case, housing_approver, tax_approver):
    case = make_case("in_review")
    decide(case, "housing", "approve", housing_approver)
    case.refresh_from_db()
    assert case.status == "in_review"
    decide(case, "tax", "approve", tax_approver)
    case.refresh_from_db()
    assert case.status == "approved"
    assert case.decided_at is not None
    assert case.events.filter(action="conclude", to_status="approved").count() == 1


def test_any_denial_denies_the_case(make_case, housing_approver, tax_approver):
    case = make_case("in_review")
    decide(case, "housing", "deny", housing_approver, opinion="房屋已被查封，不予登记。")
    decide(case, "tax", "approve", tax_approver)
    case.refresh_from_db()
    assert case.status == "denied"
    assert "房屋已被查封" in case.decision_note


def test_returns_merge_into_one_list_and_only_returned_reviews_reopen(
    make_case, housing_approver, tax_approver, citizen
):
    case = make_case("in_review")
    id_card, tax_proof = requirement(case, "居民身份证"), requirement(case, "完税凭证")
    decide(case, "housing", "approve", housing_approver)
    decide(case, "tax", "return", tax_approver, opinion="完税凭证缺少印章。", missing=[tax_proof])
    case.refresh_from_db()
    assert case.status == "supplement_required"
    assert case.clock_stopped
    missing = case.materials.filter(status=MaterialStatus.MISSING).exclude(reason="")
    assert [m.material_type.name for m in missing] == ["完税凭证"]
    assert "缺少印章" in missing.get().reason
    assert id_card not in [m.requirement_id for m in missing]

    services.material_upload(case=case, by=citizen, requirement_id=tax_proof, upload=pdf())
    services.case_resubmit(case=case, by=citizen)
    case.refresh_from_db()
    assert case.status == "in_review"
    statuses = dict(case.reviews.values_list("department__code", "status"))
    assert statuses == {"housing": ReviewStatus.APPROVED, "tax": ReviewStatus.PENDING}
    assert case.reviews.get(department__code="tax").round == 2


def test_two_returns_give_one_merged_list(make_case, housing_approver, tax_approver):
    case = make_case("in_review")
    id_card, tax_proof = requirement(case, "居民身份证"), requirement(case, "完税凭证")
    decide(case, "housing", "return", housing_approver, opinion="身份证过期。", missing=[id_card])
    decide(case, "tax", "return", tax_approver, opinion="凭证不清。", missing=[tax_proof, id_card])
    case.refresh_from_db()
    missing = {
        m.material_type.name: m.reason
        for m in case.materials.filter(status="missing").exclude(reason="")
    }
    assert set(missing) == {"居民身份证", "完税凭证"}
    assert "身份证过期" in missing["居民身份证"] and "凭证不清" in missing["居民身份证"]
    assert case.events.filter(action="conclude").count() == 1


def test_an_approver_cannot_decide_another_departments_review(make_case, housing_approver):
    case = make_case("in_review")
    with pytest.raises(CasePermissionError):
        decide(case, "tax", "approve", housing_approver)
    assert case.reviews.get(department__code="tax").status == "pending"


def test_decisions_need_an_opinion_and_a_return_needs_its_list(make_case, tax_approver):
    case = make_case("in_review")
    with pytest.raises(ValidationError):
        decide(case, "tax", "approve", tax_approver, opinion=" ")
    with pytest.raises(ValidationError):
        decide(case, "tax", "return", tax_approver, missing=[])


def test_a_decided_review_cannot_be_decided_again(make_case, housing_approver):
    case = make_case("in_review")
    decide(case, "housing", "approve", housing_approver)
    with pytest.raises(InvalidTransitionError):
        decide(case, "housing", "deny", housing_approver)


def test_the_clock_stops_while_waiting_for_the_supplement(
    make_case, housing_approver, tax_approver, citizen, monkeypatch
):
    case = make_case("in_review")
    accepted = case.accepted_on
    first_deadline = case.deadline
    tax_proof = requirement(case, "完税凭证")
    decide(case, "housing", "approve", housing_approver)
    decide(case, "tax", "return", tax_approver, missing=[tax_proof])
    services.material_upload(case=case, by=citizen, requirement_id=tax_proof, upload=pdf())
    # The applicant comes back three working days later.
    later = add_working_days(accepted, 3)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    services.case_resubmit(case=case, by=citizen)
    case.refresh_from_db()
    assert case.stopped_days == 3
    assert case.deadline == add_working_days(accepted, case.committed_days + 3)
    assert case.deadline > first_deadline


def test_instant_matter_is_decided_at_the_window(clerk, instant_matter, citizen):
    from .conftest import applicant_of

    case = services.case_create(by=clerk, matter=instant_matter, applicant=applicant_of(citizen))
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=clerk, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=clerk)
    services.case_accept(case=case, by=clerk)
    assert case.reviews.count() == 0
    unauthorised = UserFactory(clerk=True)
    with pytest.raises(CasePermissionError):
        services.case_approve_instant(case=case, by=unauthorised)
    services.case_approve_instant(case=case, by=clerk)
    case.refresh_from_db()
    assert case.status == "approved"
    assert case.visits.count() == 1


def test_special_procedure_stops_the_clock_and_tells_the_applicant(
    make_case, housing_approver, monkeypatch
):
    case = make_case("in_review")
    procedure = services.special_procedure_start(
        case=case,
        by=housing_approver,
        kind="inspection",
        reason="需现场勘查房屋现状。",
        expected_days=3,
    )
    case.refresh_from_db()
    assert case.clock_stopped
    event = case.events.get(action="special_procedure_start")
    assert not event.internal and "现场勘查" in event.note
    later = add_working_days(case.accepted_on, 4)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    services.special_procedure_end(procedure=procedure, by=housing_approver)
    case.refresh_from_db()
    assert not case.clock_stopped
    assert case.stopped_days == 4
    assert case.deadline == add_working_days(case.accepted_on, case.committed_days + 4)


def test_extension_asked_by_the_lead_department_and_granted_by_a_supervisor(
    make_case, housing_approver, tax_approver, supervisor
):
    case = make_case("in_review")
    with pytest.raises(CasePermissionError):
        services.extension_request(case=case, by=tax_approver, days=5, reason="需会商。")
    with pytest.raises(ValidationError):
        services.extension_request(case=case, by=housing_approver, days=11, reason="需会商。")
    extension = services.extension_request(
        case=case, by=housing_approver, days=5, reason="涉及多方权属，需会商。"
    )
    with pytest.raises(CasePermissionError):
        services.extension_decide(extension=extension, by=housing_approver, grant=True)
    services.extension_decide(extension=extension, by=supervisor, grant=True)
    case.refresh_from_db()
    assert case.extension_days == 5
    assert case.deadline == add_working_days(case.accepted_on, case.committed_days + 5)
    granted = case.events.get(action="extension_granted")
    assert not granted.internal and str(case.deadline) in granted.note


def test_events_record_actor_role_and_statuses(make_case, housing_approver, tax_approver):
    case = make_case("approved")
    rows = list(
        CaseEvent.objects.filter(case=case).values_list(
            "action", "from_status", "to_status", "actor_role"
        )
    )
    assert ("submit", "draft", "submitted", "citizen") in rows
    assert ("accept", "submitted", "in_review", "clerk") in rows
    assert ("conclude", "in_review", "approved", "system") in rows
    assert sum(1 for row in rows if row[0] == "review_approve") == 2


def test_deadline_colours():
    from cases.services import deadline_colour

    deadline = datetime.date(2026, 6, 10)
    warn = datetime.date(2026, 6, 8)
    assert deadline_colour(deadline, warn, datetime.date(2026, 6, 1)) == "green"
    assert deadline_colour(deadline, warn, datetime.date(2026, 6, 8)) == "yellow"
    assert deadline_colour(deadline, warn, datetime.date(2026, 6, 11)) == "red"
    assert deadline_colour(deadline, warn, datetime.date(2026, 6, 11), stopped=True) == "green"
    assert deadline_colour(None, None, datetime.date(2026, 6, 11)) is None
