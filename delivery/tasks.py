"""Celery tasks of the courier integration: thin wrappers around ``delivery.services``.

Both are safe to run twice (see the services' ``# idempotency:`` guards). ``acks_late``
with ``task_reject_on_worker_lost`` puts a task back on the queue when its worker dies
mid-way; the periodic ``poll_shipments`` re-orders what was lost anyway (broker down at
commit). Retries are for transient courier errors only, at the time the service set
(exponential backoff); the final failure is recorded by the service.
"""

import datetime

from celery import shared_task
from django.utils import timezone

from .exceptions import TransientCourierError
from .models import Shipment, ShipmentStatus
from .services import max_attempts, shipment_request_waybill, shipments_poll_open


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
)
def request_waybill(self, shipment_id: int) -> str:
    """Ask the courier for the shipment's waybill (once); retry transient errors with backoff."""
    if not Shipment.objects.filter(
        pk=shipment_id, status=ShipmentStatus.PENDING, waybill__isnull=True
    ).exists():
        return "done"  # idempotency: ordered already, given up, or gone
    try:
        shipment = shipment_request_waybill(shipment_id=shipment_id)
    except TransientCourierError as error:
        due = Shipment.objects.filter(pk=shipment_id).values_list("next_attempt_at", flat=True)
        due = due.first() or timezone.now()
        countdown = max(0.0, (due - timezone.now()) / datetime.timedelta(seconds=1))
        # The service counts attempts and gives up after the last one; this is only a ceiling.
        raise self.retry(exc=error, countdown=countdown, max_retries=max_attempts()) from error
    return shipment.status if shipment is not None else "missing"


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=280)
def poll_shipments() -> dict:
    """Periodic: re-order shipments stuck in pending, poll the tracking of open ones."""
    return shipments_poll_open()
