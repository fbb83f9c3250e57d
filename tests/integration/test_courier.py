"""Courier dispatch through a real Celery worker process, real Redis and real PostgreSQL.

- A worker killed with SIGKILL inside the courier call: after a restart, exactly one waybill,
  whether the broker gives the task back (acks_late; shown with a short visibility timeout)
  or, with the production 4 h visibility timeout, the tracking sweep re-orders the shipment.
- The HTTP courier answering 500 twice then 200: real Celery retries with backoff, one
  waybill, every attempt recorded.
- A webhook update pushed twice over real HTTP: one change; a forged one: 403.
"""

import json
import re
import time
import urllib.error
import urllib.request

import pytest
from django.db import DatabaseError, transaction

from cases.models import Case, CaseEvent
from delivery.api import webhook_signature
from delivery.backends import SimulatedCourier
from delivery.models import Shipment, ShipmentAttempt, ShipmentEvent
from delivery.tasks import poll_shipments, request_waybill
from notices.models import Notice
from tests.cases.conftest import clerk, housing, matter, tax
from tests.delivery.conftest import ship_courier_case
from tests.delivery.fake_courier import KEY, FakeCourier

from .conftest import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

__all__ = ["clerk", "housing", "matter", "tax"]  # fixtures, used by name

SLOW_COURIER = {"COURIER_SIM_DELAY_SECONDS": 3}
WEBHOOK_SECRET = "integration-webhook-secret"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def waybill_of(shipment_id: int) -> str | None:
    return Shipment.objects.filter(pk=shipment_id).values_list("waybill", flat=True).first()


def locked_by_someone_else(shipment_id: int) -> bool:
    """Whether another connection (the worker) holds the shipment's row lock right now."""
    try:
        with transaction.atomic():
            Shipment.objects.select_for_update(nowait=True).get(pk=shipment_id)
    except DatabaseError:
        return True
    return False


def kill_inside_the_courier_call(worker, shipment: Shipment) -> None:
    """SIGKILL the worker while it waits for the (slow) courier's answer."""
    worker.wait_for_output(f"asking the courier for shipment {shipment.pk} ", timeout=60)
    wait_until(lambda: locked_by_someone_else(shipment.pk), timeout=10, what="the worker's lock")
    worker.kill()
    assert not worker.alive
    assert waybill_of(shipment.pk) is None  # the courier was asked; nothing was saved
    # PostgreSQL drops the dead worker's transaction, and its lock, at once.
    wait_until(lambda: not locked_by_someone_else(shipment.pk), timeout=30, what="lock release")


def assert_exactly_one_waybill(shipment: Shipment) -> str:
    shipment.refresh_from_db()
    assert shipment.waybill == SimulatedCourier.waybill_for(shipment.idempotency_key)
    assert shipment.status == "requested"
    assert Shipment.objects.filter(waybill=shipment.waybill).count() == 1
    assert ShipmentEvent.objects.filter(shipment=shipment, status="requested").count() == 1
    assert ShipmentAttempt.objects.filter(shipment=shipment, ok=True).count() == 1
    case = Case.objects.get(pk=shipment.case_id)
    assert case.waybill == shipment.waybill
    assert CaseEvent.objects.filter(case=case, action="waybill").count() == 1
    assert (
        Notice.objects.filter(key__startswith="case-event:", template="case_shipped")
        .filter(channel="sms")
        .count()
        == 1
    )
    return shipment.waybill


def test_worker_killed_in_dispatch_is_redelivered_and_one_waybill_results(
    celery_worker_process, citizen, clerk, matter
):
    # A visibility timeout of seconds (production: 4 h) lets the broker give the dead
    # worker's unacknowledged task to the next worker within the test's time.
    quick_redelivery = {
        **SLOW_COURIER,
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "visibility_timeout": 6,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    }
    first = celery_worker_process.start(settings=quick_redelivery)
    case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    shipment = Shipment.objects.get(case=case)

    kill_inside_the_courier_call(first, shipment)
    second = celery_worker_process.start(settings=quick_redelivery)

    wait_until(lambda: waybill_of(shipment.pk), timeout=60, what="the waybill")
    assert_exactly_one_waybill(shipment)
    # The same task, redelivered (no sweep ran): the courier was asked again with the same key.
    assert f"asking the courier for shipment {shipment.pk} " in second.output()
    assert "poll_shipments[" not in second.output()  # no sweep ran


def test_worker_killed_in_dispatch_then_the_sweep_reorders_one_waybill(
    celery_worker_process, citizen, clerk, matter
):
    # Production visibility timeout (4 h): the lost task stays with the broker; the
    # tracking sweep finds the shipment stuck in pending and orders it again.
    sweep_at_once = {**SLOW_COURIER, "COURIER_REORDER_AFTER_SECONDS": 0}
    first = celery_worker_process.start(settings=sweep_at_once)
    case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    shipment = Shipment.objects.get(case=case)

    kill_inside_the_courier_call(first, shipment)
    second = celery_worker_process.start(settings=sweep_at_once)
    poll_shipments.delay()

    wait_until(lambda: waybill_of(shipment.pk), timeout=60, what="the waybill")
    assert_exactly_one_waybill(shipment)
    output = second.output()
    assert "re-ordering 1 stuck shipment(s)" in output
    assert f"asking the courier for shipment {shipment.pk} " in output
    # Another sweep and a duplicate order: nothing more to do, still one waybill.
    poll_shipments.delay()
    request_waybill.delay(shipment.pk)
    wait_until(
        lambda: (
            len(re.findall(r"poll_shipments\[\S+\] succeeded", second.output())) == 2
            and re.search(r"request_waybill\[\S+\] succeeded in \S+ 'done'", second.output())
        ),
        timeout=30,
        what="the second sweep and the duplicate order",
    )
    assert_exactly_one_waybill(shipment)
    assert second.output().count(f"asking the courier for shipment {shipment.pk} ") == 1


def test_http_courier_500_twice_then_200_gives_one_waybill_with_the_retries_recorded(
    celery_worker_process, citizen, clerk, matter
):
    with FakeCourier(fail_first=2, fail_status=500) as courier:
        worker = celery_worker_process.start(
            settings={
                "COURIER_BACKEND": "delivery.backends.HttpCourier",
                "COURIER_URL": courier.url,
                "COURIER_KEY": KEY,
                "COURIER_TIMEOUT": 5,
                "COURIER_RETRY_BASE_SECONDS": 1,
                "COURIER_RETRY_MAX_SECONDS": 4,
            }
        )
        case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
        shipment = Shipment.objects.get(case=case)
        waybill = wait_until(lambda: waybill_of(shipment.pk), timeout=60, what="the waybill")

    key = str(shipment.idempotency_key)
    assert waybill == courier.waybill_for(key)
    assert [(o["key"], o["status"]) for o in courier.orders] == [
        (key, 500),
        (key, 500),
        (key, 200),
    ]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.attempts, shipment.last_error) == ("requested", 3, "")
    tries = list(shipment.tries.all())
    assert [t.ok for t in tries] == [False, False, True]
    assert all("500" in t.error for t in tries[:2])
    assert Shipment.objects.filter(waybill=waybill).count() == 1
    assert CaseEvent.objects.filter(case=case, action="waybill").count() == 1
    # Real Celery retries, with backoff, by the worker.
    assert worker.output().count("TransientCourierError") >= 2
    assert "Retry in" in worker.output()


def _push(url: str, payload: dict, *, secret: str) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Courier-Timestamp": timestamp,
            "X-Courier-Signature": webhook_signature(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_webhook_push_delivered_twice_changes_once_and_a_forged_one_is_refused(
    celery_worker_process, live_server, settings, citizen, clerk, matter
):
    settings.COURIER_WEBHOOK_SECRET = WEBHOOK_SECRET
    celery_worker_process.start()
    case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    shipment = Shipment.objects.get(case=case)
    waybill = wait_until(lambda: waybill_of(shipment.pk), timeout=60, what="the waybill")
    url = f"{live_server.url}/api/v1/delivery/webhook/"
    update = {
        "waybill": waybill,
        "status": "delivered",
        "at": "2026-11-23T15:00:00+08:00",
        "event_id": f"{waybill}-signed",
        "note": "本人签收",
    }

    forged = _push(url, {**update, "event_id": "forged"}, secret="not-the-secret")
    first = _push(url, update, secret=WEBHOOK_SECRET)
    again = _push(url, update, secret=WEBHOOK_SECRET)

    assert forged[0] == 403 and forged[1]["code"] == "bad_signature"
    assert first == (200, {"result": "recorded"})
    assert again == (200, {"result": "duplicate"})
    assert ShipmentEvent.objects.filter(shipment=shipment, status="delivered").count() == 1
    assert not ShipmentEvent.objects.filter(external_id="forged").exists()
    assert Shipment.objects.get(pk=shipment.pk).status == "delivered"
    assert Case.objects.get(pk=case.pk).status == "closed"
    assert CaseEvent.objects.filter(case=case, action="deliver").count() == 1
    assert Notice.objects.filter(template="case_delivered", channel="sms").count() == 1
