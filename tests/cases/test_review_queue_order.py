"""A review carries its case's deadline and acceptance day (the department's queue reads them
off one index): kept equal by the database whatever changes the case or writes the review."""

import datetime

import pytest

from cases.models import Case, Review
from cases.selectors import review_queue_for_department

pytestmark = pytest.mark.django_db


def dates_of_reviews(case: Case) -> set[tuple]:
    return set(Review.objects.filter(case=case).values_list("case_deadline", "case_accepted_on"))


def test_reviews_take_the_case_dates_at_acceptance(make_case):
    case = make_case("in_review")

    assert case.deadline is not None
    assert dates_of_reviews(case) == {(case.deadline, case.accepted_on)}


def test_a_changed_deadline_reaches_every_review_of_the_case(make_case):
    case = make_case("in_review")
    later = case.deadline + datetime.timedelta(days=10)

    Case.objects.filter(pk=case.pk).update(deadline=later)

    assert dates_of_reviews(case) == {(later, case.accepted_on)}


def test_a_review_written_with_stale_dates_is_corrected(make_case):
    case = make_case("in_review")
    review = case.reviews.first()

    Review.objects.filter(pk=review.pk).update(case_deadline=datetime.date(2000, 1, 1))
    review.case_deadline = datetime.date(2000, 1, 2)
    review.save()

    assert dates_of_reviews(case) == {(case.deadline, case.accepted_on)}


def test_the_queue_follows_an_extended_deadline(make_case, housing):
    first, second = make_case("in_review"), make_case("in_review")
    Case.objects.filter(pk=first.pk).update(deadline=first.deadline - datetime.timedelta(days=1))
    queue = [r.case_id for r in review_queue_for_department(housing.pk)]
    assert queue.index(first.pk) < queue.index(second.pk)

    # The first case's time limit is extended past the second's: it moves behind it.
    Case.objects.filter(pk=first.pk).update(deadline=second.deadline + datetime.timedelta(days=5))

    queue = [r.case_id for r in review_queue_for_department(housing.pk)]
    assert queue.index(second.pk) < queue.index(first.pk)
