"""A Celery worker keeps its database connection from one task to the next, as the web keeps
its own from one request to the next (CONN_MAX_AGE). Celery's Django fixup closed it before
and after every task: a new PostgreSQL backend for every notice sent (``hall.celery``)."""

import pytest
from django.db import connection

from notices.models import Notice, NoticeStatus
from notices.services import notice_create

from .conftest import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONTEXT = {"hall": "西湖区政务服务中心", "number": "20260305-00001", "matter": "不动产转移登记"}


def other_backends() -> list[tuple]:
    """(pid, connected at) of every other client connected to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return cursor.fetchall()


def sent(key: str) -> bool:
    return Notice.objects.filter(key=key, status=NoticeStatus.SENT).exists()


def test_a_worker_sends_one_notice_after_another_on_one_connection(celery_worker_process):
    celery_worker_process.start()
    assert other_backends() == []

    notice_create(
        key="it:first", channel="sms", template="case_submitted", context=CONTEXT,
        address="13800001111",
    )  # fmt: skip
    wait_until(lambda: sent("it:first"), what="the first notice to be sent")
    # Still connected once its task is done.
    (worker,) = wait_until(other_backends, what="the worker's connection")

    notice_create(
        key="it:second", channel="sms", template="case_submitted", context=CONTEXT,
        address="13800002222",
    )  # fmt: skip
    wait_until(lambda: sent("it:second"), what="the second notice to be sent")

    assert other_backends() == [worker]


def test_a_connection_the_server_dropped_is_opened_again_for_the_next_task(
    celery_worker_process,
):
    celery_worker_process.start()
    notice_create(
        key="it:before", channel="sms", template="case_submitted", context=CONTEXT,
        address="13800001111",
    )  # fmt: skip
    wait_until(lambda: sent("it:before"), what="the first notice to be sent")
    ((pid, _connected),) = wait_until(other_backends, what="the worker's connection")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])  # a restart, as it sees it

    notice_create(
        key="it:after", channel="sms", template="case_submitted", context=CONTEXT,
        address="13800002222",
    )  # fmt: skip
    wait_until(lambda: sent("it:after"), what="the notice after the drop to be sent")
    ((new_pid, _connected),) = other_backends()
    assert new_pid != pid
