"""A request's jobs go to Celery once its answer has been sent (accounts/enqueue.py): the
caller never waits for the broker, and nothing is published for a request that failed."""

import json

import pytest
from celery.app.task import Task
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from knox.models import AuthToken

from cases.models import CaseStatus

CASES = "/api/v1/cases/"


@pytest.fixture
def published(monkeypatch) -> list[str]:
    names: list[str] = []
    monkeypatch.setattr(Task, "delay", lambda task, *args: names.append(task.name))
    return names


def serve(environ: dict) -> tuple[str, bytes, object]:
    """What gunicorn does: call the application, send every byte, then close the answer."""
    started: list[str] = []
    answer = WSGIHandler()(environ, lambda status, headers: started.append(status))
    return started[0], b"".join(answer), answer


def command(user, case, action: str) -> dict:
    token = AuthToken.objects.create(user)[1]
    return (
        RequestFactory()
        .post(
            f"{CASES}{case.number}/{action}/",
            data="{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        .environ
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_acceptance_publishes_its_jobs_after_its_answer_is_sent(build_case, clerk, published):
    case = build_case("submitted")
    published.clear()

    status, body, answer = serve(command(clerk, case, "accept"))

    assert status.startswith("200") and json.loads(body)["status"] == CaseStatus.IN_REVIEW
    assert published == []  # the whole answer is out; the broker not yet asked
    answer.close()
    # The notice of the acceptance.
    assert published == ["notices.tasks.send_notice"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_command_publishes_nothing(build_case, clerk, published):
    case = build_case("in_review")
    published.clear()

    status, body, answer = serve(command(clerk, case, "accept"))
    answer.close()

    assert status.startswith("409"), body
    assert published == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_request_jobs_are_published_at_commit(build_case, clerk, published):
    from cases import services

    case = build_case("submitted")
    published.clear()

    services.case_accept(case=case, by=clerk)

    assert published == ["notices.tasks.send_notice"]
