"""The outbox with a real worker, a real Redis that goes down, and PostgreSQL.

Redis is stopped when cases are accepted: the accepts still commit, promptly, with their
notices in the outbox; once Redis is back, the worker and the sweeper send every notice,
each exactly once (counted in the database and, outside it, in a file the SMS backend
appends to).

This test runs its own ``redis-server`` on port 6391 (stopping it disturbs nothing else) and
uses the shared ``celery_worker_process`` fixture for the worker (tests/integration/conftest.py).
"""

import time
from collections import Counter

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from notices.models import Notice, NoticeAttempt, NoticeStatus
from notices.tasks import sweep_outbox
from tests.cases import conftest as cases_conftest

from .conftest import RedisServer, broker_of_this_process, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
housing_approver = cases_conftest.housing_approver
tax_approver = cases_conftest.tax_approver
make_case = cases_conftest.make_case

REDIS_PORT = 6391
CASES = 3
# The accept must answer promptly with the broker down (CELERY_TASK_PUBLISH_RETRY_POLICY).
ACCEPT_LIMIT_SECONDS = 3.0


@pytest.fixture
def private_redis(celery_worker_process):
    """Our own Redis as the broker of this process and of the workers; stopped at the end."""
    redis = RedisServer(REDIS_PORT)
    redis.start()
    try:
        with broker_of_this_process(redis):
            yield redis
    finally:
        celery_worker_process.stop_all()
        redis.stop()


def sms_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_redis_down_at_accept_loses_nothing_and_sends_each_notice_once(
    private_redis,
    celery_worker_process,
    make_case,
    clerk,
    housing_approver,
    tax_approver,
    tmp_path,
    monkeypatch,
):
    sms_file = tmp_path / "sms.log"
    monkeypatch.setenv("ONETRIP_TEST_SMS_FILE", str(sms_file))
    for number, approver in enumerate((housing_approver, tax_approver), start=1):
        approver.phone = f"1370000000{number}"  # staff with a mobile get an SMS too
        approver.save(update_fields=["phone"])
    worker = celery_worker_process.start(
        settings={
            "CELERY_BROKER_URL": private_redis.url,
            "SMS_BACKEND": "tests.notices.backends.FileSmsBackend",
        }
    )

    # Redis up: submitted cases are told at once, through the worker.
    cases = [make_case("submitted") for _ in range(CASES)]
    submitted = Notice.objects.filter(template="case_submitted", channel="sms")
    wait_until(
        lambda: submitted.filter(status=NoticeStatus.SENT).count() == CASES,
        timeout=60,
        what="the submission SMS to be sent by the worker",
    )

    # Redis down: the accepts commit anyway, and answer promptly.
    private_redis.stop()
    desk = APIClient()
    desk.force_authenticate(clerk)
    timings = []
    for case in cases:
        started = time.monotonic()
        answer = desk.post(f"/api/v1/cases/{case.number}/accept/", {}, format="json")
        timings.append(time.monotonic() - started)
        assert answer.status_code == 200, answer.content
    print(f"accept with Redis down: {', '.join(f'{t * 1000:.0f} ms' for t in timings)}")
    assert max(timings) < ACCEPT_LIMIT_SECONDS, timings
    assert set(Case.objects.values_list("status", flat=True)) == {"in_review"}
    waiting = Notice.objects.filter(
        template__in=["case_accepted", "review_assigned"], channel="sms"
    )
    # Per case: the applicant, and one approver in each of the two reviewing departments.
    assert waiting.count() == 3 * CASES
    assert set(waiting.values_list("status", "attempts")) == {(NoticeStatus.PENDING, 0)}
    assert len(sms_lines(sms_file)) == CASES  # only the submissions so far

    # Redis back: the worker reconnects, the sweeper finds what was left, all is sent.
    private_redis.start()
    sweep_outbox.delay()
    wait_until(
        lambda: not Notice.objects.filter(channel="sms").exclude(status="sent").exists(),
        timeout=60,
        what="every SMS to be sent once Redis is back",
    )
    # One more sweep, processed to the end: nothing is sent twice afterwards either.
    sweeps_before = worker.output().count("notices.tasks.sweep_outbox[")
    sweep_outbox.delay()
    wait_until(
        lambda: worker.output().count("notices.tasks.sweep_outbox[") >= sweeps_before + 2,
        timeout=60,
        what="the second sweep to finish",
    )

    everything = Notice.objects.filter(channel="sms")
    assert everything.count() == 4 * CASES
    for notice in everything:
        assert notice.status == NoticeStatus.SENT and notice.attempts == 1, notice
        assert NoticeAttempt.objects.filter(notice=notice, ok=True).count() == 1, notice
    assert not NoticeAttempt.objects.filter(ok=False).exists()
    delivered = Counter(line.split("\t")[0] for line in sms_lines(sms_file))
    assert delivered == Counter({f"notice-{notice.pk}": 1 for notice in everything})
    accepted_texts = [line for line in sms_lines(sms_file) if "受理，承诺于" in line]
    assert len(accepted_texts) == CASES
