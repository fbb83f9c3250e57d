"""Concurrent actors on real PostgreSQL: threads, each with its own connection."""

import threading
import time

import pytest
from django.db import connection, transaction

from cases import services
from cases.exceptions import InvalidTransitionError
from cases.models import Case, CaseEvent
from tests.factories import UserFactory

# serialized_rollback: the flush after each test would lose the migrations' data
# (roles, calendar) for the transactional tests that follow.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def run_together(*calls):
    """Run the calls in threads released at the same moment; return results or exceptions."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested: PostgreSQL only")
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_approvers_deciding_the_last_two_reviews_move_the_case_once(make_case):
    for _round in range(3):
        case = make_case("in_review")
        reviews = list(case.reviews.all())
        approvers = [UserFactory(approver=True, department=r.department) for r in reviews]
        results = run_together(
            *[
                (
                    lambda r=review, a=approver: services.review_decide(
                        review=r, by=a, decision="approve", opinion="同意。"
                    )
                )
                for review, approver in zip(reviews, approvers, strict=True)
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        case.refresh_from_db()
        assert case.status == "approved"
        assert CaseEvent.objects.filter(case=case, action="conclude").count() == 1


def test_two_clerks_accepting_the_same_case_one_wins(make_case):
    case = make_case("submitted")
    clerks = [UserFactory(clerk=True), UserFactory(clerk=True)]
    results = run_together(
        *[(lambda c=clerk: services.case_accept(case=Case(pk=case.pk), by=c)) for clerk in clerks]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], InvalidTransitionError)
    assert errors[0].status_code == 409
    case.refresh_from_db()
    assert case.status == "in_review"
    assert case.reviews.count() == 2
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_two_clerks_accepting_the_same_case_through_the_api_one_wins(make_case):
    """The command's one read of the case, by number, takes the row lock (``CaseLookup``):
    the second clerk waits for it, then reads the case as the first left it."""
    from rest_framework.test import APIClient

    case = make_case("submitted")
    clients = []
    for _ in range(2):
        client = APIClient()
        client.force_authenticate(UserFactory(clerk=True))
        clients.append(client)
    results = run_together(
        *[
            (lambda c=client: c.post(f"/api/v1/cases/{case.number}/accept/", {}, format="json"))
            for client in clients
        ]
    )
    assert sorted(r.status_code for r in results) == [200, 409], results
    refused = next(r for r in results if r.status_code == 409)
    assert refused.json()["code"] == "invalid_transition"
    case.refresh_from_db()
    assert case.status == "in_review"
    assert case.reviews.count() == 2
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_case_numbers_stay_unique_under_concurrent_creation(citizen, matter):
    from .conftest import applicant_of

    applicant = applicant_of(citizen)
    results = run_together(
        *[
            (lambda: services.case_create(by=citizen, matter=matter, applicant=applicant).number)
            for _ in range(8)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 8
    assert Case.objects.count() == 8


def test_approvers_of_one_department_deciding_two_cases_do_not_wait_for_each_other(make_case):
    """A review decision locks its review and its case, not the department they share."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested: PostgreSQL only")
    first_case, second_case = make_case("in_review"), make_case("in_review")
    first = first_case.reviews.get(department__code="housing")
    second = second_case.reviews.get(department__code="housing")
    approvers = [UserFactory(approver=True, department=first.department) for _ in range(2)]
    decided, done = threading.Event(), threading.Event()
    outcome: dict = {}

    def hold_open():
        try:
            with transaction.atomic():
                services.review_decide(
                    review=first, by=approvers[0], decision="approve", opinion="同意。"
                )
                decided.set()
                done.wait(timeout=30)  # the transaction, and its locks, stay open meanwhile
        finally:
            decided.set()
            connection.close()

    def decide_meanwhile():
        try:
            assert decided.wait(timeout=30)
            started = time.monotonic()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
                services.review_decide(
                    review=second, by=approvers[1], decision="approve", opinion="同意。"
                )
            outcome["seconds"] = time.monotonic() - started
        except Exception as error:
            outcome["error"] = error
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=hold_open), threading.Thread(target=decide_meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert "error" not in outcome, outcome
    assert outcome["seconds"] < 3
    assert {r.status for r in (first, second) if r.refresh_from_db() is None} == {"approved"}
