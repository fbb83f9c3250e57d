"""Every (status, transition) pair of the case workflow: allowed or refused; the guards, the
conclusion rule and what each role may do, all read from the state machine."""

import datetime

import pytest
from django.utils import timezone
from django_fsm import can_proceed

from cases import services
from cases.exceptions import InvalidTransitionError
from cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    MaterialStatus,
    Review,
    ReviewStatus,
    fsm_sources,
)
from tests.factories import UserFactory

S = CaseStatus
ALLOWED = {
    "submit": {S.DRAFT},
    "accept": {S.SUBMITTED},
    "request_supplement": {S.SUBMITTED},
    "reject": {S.SUBMITTED},
    "resubmit": {S.SUPPLEMENT_REQUIRED},
    "withdraw": {S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUIRED},
    "conclude": {S.IN_REVIEW},
    "issue": {S.APPROVED, S.DENIED},
    "ship": {S.READY},
    "collect": {S.READY},
    "deliver": {S.IN_TRANSIT},
}


def test_status_names_are_the_contract():
    assert [status.value for status in CaseStatus] == [
        "draft",
        "submitted",
        "supplement_required",
        "rejected",
        "in_review",
        "approved",
        "denied",
        "ready",
        "in_transit",
        "closed",
        "withdrawn",
    ]


def test_the_table_names_every_transition():
    names = {t.name for t in Case.status.field.get_all_transitions(Case)}
    assert names == set(ALLOWED)


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("transition", sorted(ALLOWED))
def test_transition_table(status, transition):
    case = Case(status=status)
    allowed = status in ALLOWED[transition]
    assert can_proceed(getattr(case, transition), check_conditions=False) is allowed
    assert (status in fsm_sources(Case, transition)) is allowed


REVIEW_ALLOWED = {
    "approve": {ReviewStatus.PENDING},
    "return_for_supplement": {ReviewStatus.PENDING},
    "deny": {ReviewStatus.PENDING},
    "reopen": {ReviewStatus.RETURNED},
}


@pytest.mark.parametrize("status", list(ReviewStatus))
@pytest.mark.parametrize("transition", sorted(REVIEW_ALLOWED))
def test_review_transition_table(status, transition):
    review = Review(status=status)
    assert can_proceed(getattr(review, transition)) is (status in REVIEW_ALLOWED[transition])


R = ReviewStatus


@pytest.mark.parametrize(
    ("reviews", "outcome"),
    [
        ([], S.APPROVED),  # an instant matter: no review at all
        ([R.APPROVED], S.APPROVED),
        ([R.APPROVED, R.APPROVED], S.APPROVED),
        ([R.APPROVED, R.DENIED], S.DENIED),
        ([R.RETURNED, R.DENIED], S.DENIED),
        ([R.APPROVED, R.RETURNED], S.SUPPLEMENT_REQUIRED),
        ([R.RETURNED, R.RETURNED], S.SUPPLEMENT_REQUIRED),
        ([R.PENDING, R.DENIED], None),
        ([R.APPROVED, R.PENDING], None),
    ],
)
def test_conclusion_for(reviews, outcome):
    assert Case.conclusion_for(reviews) == outcome


@pytest.mark.django_db
def test_issue_is_guarded_by_outstanding_deferrals(make_case):
    case = make_case("approved", deferred=True)
    assert case.can("issue", guards=False)
    assert not case.can("issue")
    CaseMaterial.objects.filter(case=case).deferred_open().update(status=MaterialStatus.RECEIVED)
    assert case.can("issue")


@pytest.mark.django_db
def test_conclude_is_guarded_by_pending_reviews(make_case):
    case = make_case("in_review")
    assert case.can("conclude", guards=False)
    assert not case.can("conclude")
    Review.objects.filter(case=case).update(status=ReviewStatus.APPROVED)
    assert case.can("conclude")


@pytest.mark.django_db
def test_deferred_open_is_one_definition(make_case):
    case = make_case("in_review", deferred=True)
    deferred = case.materials.get(status=MaterialStatus.DEFERRED)
    assert list(CaseMaterial.objects.deferred_open()) == [deferred]
    assert deferred.is_open_deferral(case)
    for status in (S.SUPPLEMENT_REQUIRED, S.APPROVED, S.DENIED):
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        assert list(CaseMaterial.objects.deferred_open()) == [deferred]
        assert deferred.is_open_deferral(case)
    for status in (S.WITHDRAWN, S.READY, S.CLOSED):
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        assert not CaseMaterial.objects.deferred_open().exists()
        assert not deferred.is_open_deferral(case)


@pytest.mark.django_db
def test_available_actions_per_role(make_case, citizen, clerk, housing_approver):
    draft = Case.objects.get(pk=make_case("draft").pk)
    assert draft.available_actions(citizen) == {"submit", "withdraw", "upload"}
    assert draft.available_actions(clerk) == set()  # an online draft is the applicant's
    submitted = Case.objects.get(pk=make_case("submitted").pk)
    assert submitted.available_actions(citizen) == {"withdraw", "upload"}
    assert submitted.available_actions(clerk) == {"accept", "request_supplement", "reject"}
    assert submitted.available_actions(housing_approver) == set()
    in_review = Case.objects.get(pk=make_case("in_review").pk)
    for user in (citizen, clerk, housing_approver):
        assert in_review.available_actions(user) == set()  # the system concludes
    approved = Case.objects.get(pk=make_case("approved").pk)
    assert approved.available_actions(clerk) == {"issue"}
    assert approved.available_actions(citizen) == set()
    services.case_issue(case=approved, by=clerk)
    approved.refresh_from_db()
    assert approved.available_actions(clerk) == {"collect", "ship"}
    assert approved.available_actions(citizen) == {"rate"}
    stranger = UserFactory(citizen=True)
    assert approved.available_actions(stranger) == set()


@pytest.mark.django_db
def test_available_actions_offer_upload_of_an_open_deferral(make_case, citizen):
    case = Case.objects.get(pk=make_case("in_review", deferred=True).pk)
    assert case.available_actions(citizen) == {"upload"}


@pytest.mark.django_db
def test_accepting_a_case_in_review_is_409_before_the_bad_due_date(make_case, clerk, api_client):
    case = make_case("in_review")
    api_client.force_authenticate(clerk)
    for due_date in ("not-a-date", (timezone.localdate() - datetime.timedelta(days=3)).isoformat()):
        answer = api_client.post(
            f"/api/v1/cases/{case.number}/accept/",
            {"deferred": [1], "due_date": due_date},
            format="json",
        )
        assert answer.status_code == 409, answer.json()
        assert answer.json()["code"] == "invalid_transition"
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW


@pytest.mark.django_db
def test_rejecting_a_case_in_review_without_reason_is_409(make_case, clerk):
    case = make_case("in_review")
    with pytest.raises(InvalidTransitionError):
        services.case_reject(case=case, by=clerk, reason="")


@pytest.mark.django_db
def test_with_good_input_the_role_is_checked_before_the_status(make_case, citizen, api_client):
    case = make_case("in_review")
    api_client.force_authenticate(citizen)
    answer = api_client.post(f"/api/v1/cases/{case.number}/accept/", {}, format="json")
    assert answer.status_code == 403


@pytest.mark.django_db
def test_deciding_a_review_of_a_concluded_case_without_opinion_is_409(
    make_case, housing_approver, api_client
):
    case = make_case("approved")
    review = case.reviews.get(department=housing_approver.department)
    api_client.force_authenticate(housing_approver)
    answer = api_client.post(f"/api/v1/reviews/{review.pk}/deny/", {}, format="json")
    assert answer.status_code == 409, answer.json()
    assert answer.json()["code"] == "invalid_transition"
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


@pytest.mark.django_db
def test_an_instant_matter_is_concluded_by_an_authorised_clerk_only(clerk, instant_matter, citizen):
    from .conftest import applicant_of, pdf

    case = services.case_create(by=clerk, matter=instant_matter, applicant=applicant_of(citizen))
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=clerk, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=clerk)
    services.case_accept(case=case, by=clerk)
    case = Case.objects.get(pk=case.pk)
    assert case.available_actions(clerk) == {"conclude"}
    assert case.available_actions(UserFactory(clerk=True)) == set()
    assert case.available_actions(citizen) == set()


@pytest.mark.django_db
def test_issue_names_outstanding_deferrals_only_once_the_status_allows_it(make_case, clerk):
    from cases.services import DeferredMaterialsOutstandingError

    in_review = make_case("in_review", deferred=True)
    with pytest.raises(InvalidTransitionError):
        services.case_issue(case=in_review, by=clerk)
    approved = make_case("approved", deferred=True)
    with pytest.raises(DeferredMaterialsOutstandingError) as outstanding:
        services.case_issue(case=approved, by=clerk)
    assert "完税凭证" in outstanding.value.detail
    approved.refresh_from_db()
    assert approved.status == CaseStatus.APPROVED
