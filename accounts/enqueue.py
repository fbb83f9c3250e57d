"""Hand work to Celery once the transaction that recorded it has committed.

It lives here, on the lowest floor, so that every app's services can use it. Every queued
job is a row first (a pending notice, paper or shipment) with a sweep that picks up what
was never handed over: if the broker is down at commit, the enqueue is only logged and the
sweep does the work later. A job is never sent for a row that was rolled back.

In a request the jobs its commits handed over are published once the answer has been sent
(``PublishAfterResponseMiddleware``): the caller does not wait for the broker, and a job a
crash loses between the two is one its sweep already covers.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar

from celery import Task
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# The jobs of the request being answered, published when its answer is closed; None outside
# a request (a Celery task, a command), where they are published at commit.
_held: ContextVar[list[tuple[Task, tuple]] | None] = ContextVar("held_jobs", default=None)


def enqueue_after_commit(task: Task | str, *args: int | str | list) -> None:
    """Run ``task.delay(*args)`` after the current transaction commits (now, outside one);
    in a request, after its answer has been sent.

    ``task`` is a Celery task or its dotted path (for services its module imports).
    """
    if isinstance(task, str):
        task = import_string(task)  # a misspelt path fails here, in the caller's transaction

    def enqueue() -> None:
        held = _held.get()
        if held is None:
            _publish(task, args)
        else:
            held.append((task, args))

    transaction.on_commit(enqueue)


def _publish(task: Task, args: tuple) -> None:
    try:
        task.delay(*args)
    except Exception:  # any broker failure: the pending row and its sweep are the net
        logger.warning("broker unavailable; %s%r left for the sweep", task.name, args)


def _publish_all(held: list[tuple[Task, tuple]]) -> None:
    for task, args in held:
        _publish(task, args)
    held.clear()


class PublishAfterResponseMiddleware:
    """Holds the jobs a request's commits hand to Celery until its answer is closed (the
    WSGI server closes it once sent; Django's test client at the end of the request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        held: list[tuple[Task, tuple]] = []
        token = _held.set(held)
        try:
            # Django turns a view's exception into an answer: one comes back either way.
            response = self.get_response(request)
        finally:
            _held.reset(token)
        if held:
            # Run by HttpResponseBase.close(), before request_finished (Django's own use:
            # FileResponse closes its file so).
            response._resource_closers.append(lambda: _publish_all(held))
        return response
