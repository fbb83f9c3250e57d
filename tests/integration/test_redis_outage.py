"""A Redis outage under the deployed worker: the prefork pool survives and catches up.

The worker runs as docker-compose runs it (``DEPLOYED_POOL``: prefork, two processes) with
the project's settings, on a private ``redis-server`` (port 6393) that the test stops while
the worker is inside a courier call, and starts again, empty, as after a crash. The same
worker process must reconnect and go on: the shipment it was ordering when Redis went down,
and one ordered after the outage, each get one waybill, and the notices recorded while
Redis was down are sent once each.
"""

import time
from collections import Counter

import pytest
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent
from delivery.models import Shipment
from delivery.tasks import poll_shipments
from notices.models import Notice, NoticeAttempt, NoticeStatus
from notices.tasks import sweep_outbox
from tests.cases import conftest as cases_conftest
from tests.delivery.conftest import ship_courier_case

from .conftest import DEPLOYED_POOL, RedisServer, broker_of_this_process, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
make_case = cases_conftest.make_case

REDIS_PORT = 6393
# Long enough that the worker notices the loss and retries while Redis is away.
OUTAGE_SECONDS = 6


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def private_redis(celery_worker_process):
    redis = RedisServer(REDIS_PORT)
    redis.start()
    try:
        with broker_of_this_process(redis):
            yield redis
    finally:
        celery_worker_process.stop_all()
        redis.stop()


def waybill_of(shipment_id: int) -> str | None:
    return Shipment.objects.filter(pk=shipment_id).values_list("waybill", flat=True).first()


def sms_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_prefork_worker_survives_a_redis_outage_and_catches_up(
    private_redis, celery_worker_process, citizen, clerk, matter, make_case, tmp_path, monkeypatch
):
    sms_file = tmp_path / "sms.log"
    monkeypatch.setenv("ONETRIP_TEST_SMS_FILE", str(sms_file))
    worker = celery_worker_process.start(
        pool=DEPLOYED_POOL,
        settings={
            "CELERY_BROKER_URL": private_redis.url,
            "SMS_BACKEND": "tests.notices.backends.FileSmsBackend",
            "COURIER_SIM_DELAY_SECONDS": 4,
            # The tracking sweep re-orders a shipment whose order the outage lost at once.
            "COURIER_REORDER_AFTER_SECONDS": 0,
        },
    )
    cases = [make_case("submitted") for _ in range(2)]

    # The worker is inside the courier's call when Redis goes away.
    first_case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    first = Shipment.objects.get(case=first_case)
    worker.wait_for_output(f"asking the courier for shipment {first.pk} ", timeout=60)
    private_redis.stop()

    # Cases accepted during the outage: their notices wait in the outbox.
    desk = APIClient()
    desk.force_authenticate(clerk)
    for case in cases:
        answer = desk.post(f"/api/v1/cases/{case.number}/accept/", {}, format="json")
        assert answer.status_code == 200, answer.content
    assert Notice.objects.filter(template="case_accepted", status=NoticeStatus.PENDING).exists()
    time.sleep(OUTAGE_SECONDS)
    assert worker.alive, worker.output()[-3000:]
    private_redis.start()

    # The same worker process reconnects (no supervisor restarted it).
    wait_until(
        lambda: worker.output().count("INFO/MainProcess] Connected to ") >= 2 or not worker.alive,
        timeout=60,
        what="the worker to reconnect",
    )
    time.sleep(3)  # past the reconnection's own clean-up, where the worker used to die
    assert worker.alive, worker.output()[-3000:]
    assert "Connection to broker lost" in worker.output()

    # What beat would send: the outbox sweep and the tracking sweep; then a new order.
    sweep_outbox.delay()
    poll_shipments.delay()
    second = Shipment.objects.get(
        case=ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    )
    wait_until(lambda: waybill_of(second.pk), timeout=90, what="the new shipment's waybill")
    wait_until(lambda: waybill_of(first.pk), timeout=90, what="the interrupted shipment's waybill")
    wait_until(
        lambda: not Notice.objects.filter(channel="sms").exclude(status="sent").exists(),
        timeout=60,
        what="every SMS to be sent",
    )
    # A second sweep, processed to the end, sends nothing twice.
    sweep_outbox.delay()
    wait_until(
        lambda: worker.output().count("notices.tasks.sweep_outbox[") >= 4,
        timeout=60,
        what="the sweeps to finish",
    )
    assert worker.alive
    assert "Unrecoverable error" not in worker.output()

    for shipment in (first, second):
        shipment.refresh_from_db()
        assert shipment.status == "requested"
        assert Shipment.objects.filter(waybill=shipment.waybill).count() == 1
        assert Case.objects.get(pk=shipment.case_id).waybill == shipment.waybill
    everything = Notice.objects.filter(channel="sms")
    accepts = CaseEvent.objects.filter(case__in=cases, action="accept")
    told_in_outage = everything.filter(key__in=[f"case-event:{e.pk}" for e in accepts])
    assert told_in_outage.count() == len(cases)
    for notice in everything:
        assert notice.status == NoticeStatus.SENT and notice.attempts == 1, notice
        assert NoticeAttempt.objects.filter(notice=notice, ok=True).count() == 1, notice
    delivered = Counter(line.split("\t")[0] for line in sms_lines(sms_file))
    assert delivered == Counter({f"notice-{notice.pk}": 1 for notice in everything})
