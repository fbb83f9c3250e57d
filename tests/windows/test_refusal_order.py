"""At the window, a case past the step is refused (409) before its input is validated (400),
and the refusal changes nothing."""

import pytest

from cases.exceptions import InvalidTransitionError
from cases.models import CaseEvent
from cases.services import material_mark_missing, material_receive
from windows.services import ChecklistMark, case_window_notice, case_window_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(make_case):
    return make_case("in_review")


def _refused(call, case):
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(InvalidTransitionError):
        call()
    case.refresh_from_db()
    assert case.status == "in_review"
    assert CaseEvent.objects.filter(case=case).count() == events


def test_marking_missing_without_reason_after_acceptance_is_409(in_review, clerk):
    requirement = in_review.materials.first().requirement_id
    _refused(
        lambda: material_mark_missing(
            case=in_review, by=clerk, requirement_id=requirement, reason=""
        ),
        in_review,
    )


def test_marking_received_with_a_bad_form_after_acceptance_is_409(in_review, clerk):
    material = in_review.materials.exclude(status="deferred").first()
    _refused(
        lambda: material_receive(
            case=in_review, by=clerk, requirement_id=material.requirement_id, form="?", copies=0
        ),
        in_review,
    )


def test_a_notice_listing_nothing_after_acceptance_is_409(in_review, clerk):
    _refused(lambda: case_window_notice(case=in_review, by=clerk, marks=[]), in_review)


def test_a_refusal_without_reason_after_acceptance_is_409(in_review, clerk):
    _refused(lambda: case_window_reject(case=in_review, by=clerk, reason=""), in_review)


def test_a_notice_listing_nothing_before_acceptance_is_still_400(make_case, clerk):
    from django.core.exceptions import ValidationError

    case = make_case("submitted")
    marks = [ChecklistMark(requirement_id=case.materials.first().requirement_id, state="received")]
    with pytest.raises(ValidationError) as error:
        case_window_notice(case=case, by=clerk, marks=marks)
    assert "一次性告知须列出缺少的全部材料。" in str(error.value)
    case.refresh_from_db()
    assert case.status == "submitted"
