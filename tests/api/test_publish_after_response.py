"""A request's jobs go to Celery once its answer has been sent (accounts/enqueue.py): the
caller never waits for the broker, and nothing is published for a request that failed."""

import json
import uuid

import pytest
import redis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from knox.models import AuthToken

from cases.models import CaseStatus
from hall.celery import app

CASES = "/api/v1/cases/"


@pytest.fixture
def published():
    """The names of the tasks published so far, read from the real broker: the test's own
    queue on Redis (no worker takes from it), emptied and removed afterwards."""
    if not settings.REDIS_URL:
        pytest.skip("needs a real broker (REDIS_URL)")
    queue = f"test-publish-{uuid.uuid4().hex[:8]}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    app.__dict__.pop("amqp", None)  # the app caches its queues on first publish
    client = redis.Redis.from_url(settings.REDIS_URL)

    def names() -> list[str]:
        messages = client.lrange(queue, 0, -1)
        return [json.loads(message)["headers"]["task"] for message in reversed(messages)]

    names.clear = lambda: client.delete(queue)  # what the test's set-up published
    try:
        yield names
    finally:
        app.conf.task_default_queue = default_queue
        app.__dict__.pop("amqp", None)
        client.delete(queue, f"_kombu.binding.{queue}")
        client.close()


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
    assert published() == []  # the whole answer is out; the broker not yet asked
    answer.close()
    # The notice of the acceptance.
    assert published() == ["notices.tasks.send_notice"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_command_publishes_nothing(build_case, clerk, published):
    case = build_case("in_review")
    published.clear()

    status, body, answer = serve(command(clerk, case, "accept"))
    answer.close()

    assert status.startswith("409"), body
    assert published() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_request_jobs_are_published_at_commit(build_case, clerk, published):
    from cases import services

    case = build_case("submitted")
    published.clear()

    services.case_accept(case=case, by=clerk)

    assert published() == ["notices.tasks.send_notice"]
