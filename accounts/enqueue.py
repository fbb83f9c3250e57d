"""Hand work to Celery once the transaction that recorded it has committed.

It lives here, on the lowest floor, so that every app's services can use it. Every queued
job is a row first (a pending notice, paper or shipment) with a sweep that picks up what
was never handed over: if the broker is down at commit, the enqueue is only logged and the
sweep does the work later. A job is never sent for a row that was rolled back.
"""

import logging

from celery import Task
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task | str, *args: int | str | list) -> None:
    """Run ``task.delay(*args)`` after the current transaction commits (now, outside one).

    ``task`` is a Celery task or its dotted path (for services its module imports).
    """
    if isinstance(task, str):
        task = import_string(task)  # a misspelt path fails here, in the caller's transaction

    def enqueue() -> None:
        try:
            task.delay(*args)
        except Exception:  # any broker failure: the pending row and its sweep are the net
            logger.warning("broker unavailable; %s%r left for the sweep", task.name, args)

    transaction.on_commit(enqueue)
