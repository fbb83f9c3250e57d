"""Every (status, transition) pair of the case workflow: allowed or refused."""

import pytest
from django_fsm import can_proceed

from cases.models import Case, CaseStatus, Review, ReviewStatus

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


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("transition", sorted(ALLOWED))
def test_transition_table(status, transition):
    case = Case(status=status)
    assert can_proceed(getattr(case, transition)) is (status in ALLOWED[transition])


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
