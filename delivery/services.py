"""Shipments: opened when a case is shipped, ordered from the courier, tracked to the door.

The flow, all of it here:
1. ``shipment_open`` (inside the case's ``ship`` transition): the shipment row, and after
   commit the ``request_waybill`` task unless the clerk typed the waybill.
2. ``shipment_request_waybill`` (the task): asks the courier with the shipment's idempotency
   key and records the waybill once; the case hears of it through ``case_record_waybill``.
   Transient errors count an attempt and set the next one (exponential backoff); after
   ``COURIER_MAX_ATTEMPTS`` or a permanent error the shipment is failed (``shipment_fail``),
   the applicant and the clerks are told, and the admin can re-order (``shipment_reorder``).
3. ``shipment_record_update`` (poll and webhook alike): appends the courier's update once,
   never moves the shipment backwards; delivered closes the case, failed tells the people.
4. ``shipments_poll_open`` (periodic): re-orders shipments left pending (broker down at
   commit, worker lost) and polls the tracking of open ones, rows picked with SKIP LOCKED.
"""

import datetime
import logging
import random
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enqueue import enqueue_after_commit
from accounts.language import recorded
from accounts.models import User
from cases.exceptions import InvalidTransitionError
from cases.models import Case
from cases.services import case_deliver, case_delivery_failed, case_record_waybill

from .backends import Order, courier_backend
from .exceptions import (
    CourierError,
    PermanentCourierError,
    ShipmentError,
    ShipmentNotFoundError,
    TransientCourierError,
)
from .models import (
    TRACKED_STATUSES,
    EventSource,
    Shipment,
    ShipmentAttempt,
    ShipmentEvent,
    ShipmentStatus,
)

logger = logging.getLogger("delivery")

# Order of progress; a shipment only ever moves to a higher rank. A failed delivery may still
# be delivered later (the courier tries again); nothing follows delivered.
RANK = {
    ShipmentStatus.PENDING: 0,
    ShipmentStatus.REQUESTED: 1,
    ShipmentStatus.PICKED_UP: 2,
    ShipmentStatus.IN_TRANSIT: 3,
    ShipmentStatus.FAILED: 4,
    ShipmentStatus.DELIVERED: 5,
}


def max_attempts() -> int:
    return int(settings.COURIER_MAX_ATTEMPTS)


def retry_countdown(attempts: int) -> float:
    """Seconds before order attempt ``attempts + 1``: exponential, capped, with some jitter."""
    base = float(settings.COURIER_RETRY_BASE_SECONDS)
    cap = float(settings.COURIER_RETRY_MAX_SECONDS)
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay + random.uniform(0, delay / 10)


def _order_of(shipment: Shipment) -> Order:
    return Order(
        idempotency_key=shipment.idempotency_key,
        reference=shipment.case.number,
        receiver=shipment.receiver,
        phone=shipment.phone,
        province=shipment.province,
        city=shipment.city,
        district=shipment.district,
        address=shipment.address,
    )


def _event(shipment: Shipment, status: str, note: str, source: str, **fields) -> ShipmentEvent:
    return ShipmentEvent.objects.create(
        shipment=shipment,
        status=status,
        at=fields.pop("at", None) or timezone.now(),
        note=note[:300],
        source=source,
        **fields,
    )


# Ordered after commit; with the broker down the tracking sweep re-orders.
REQUEST_WAYBILL = "delivery.tasks.request_waybill"


def shipment_open(*, case: Case) -> Shipment:
    """The shipment of a case handed to the courier (one per case; a repeat returns it).

    Runs in the ``ship`` transition's transaction; asking the courier for a waybill is a
    task after commit unless the clerk typed the waybill already.
    """
    now = timezone.now()
    shipment, created = Shipment.objects.get_or_create(
        case=case,
        defaults={
            "receiver": case.receiver,
            "phone": case.receiver_phone,
            "province": case.province,
            "city": case.city,
            "district": case.district,
            "address": case.address,
            "waybill": case.waybill or None,
            "status": ShipmentStatus.REQUESTED if case.waybill else ShipmentStatus.PENDING,
            "ordered_at": now if case.waybill else None,
            "next_attempt_at": None if case.waybill else now,
        },
    )
    if not created:
        return shipment  # idempotency: opened already
    if case.waybill:
        _event(
            shipment,
            ShipmentStatus.REQUESTED,
            recorded("窗口录入运单号：%(w)s", {"w": case.waybill}),
            EventSource.CLERK,
        )
    else:
        _event(
            shipment, ShipmentStatus.PENDING, recorded("已交快递，等待下单。"), EventSource.SYSTEM
        )
        enqueue_after_commit(REQUEST_WAYBILL, shipment.pk)
    return shipment


def shipment_request_waybill(*, shipment_id: int) -> Shipment | None:
    """Order from the courier and record the one waybill of the shipment.

    Safe to run twice, at once or after a crash: the row is locked while the courier is
    asked, a recorded waybill ends the work, and the courier gets the shipment's own
    idempotency key, so an order it answered before the worker died gets the same waybill
    again. Raises ``TransientCourierError`` when another attempt is due (at
    ``next_attempt_at``); after the last attempt, or a permanent error, the shipment is failed.
    """
    transient: TransientCourierError | None = None
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=shipment_id)
            .first()
        )
        if shipment is None:
            return None  # idempotency: nothing to order
        if shipment.waybill:
            return shipment  # idempotency: the waybill is recorded
        if shipment.status != ShipmentStatus.PENDING:
            return shipment  # idempotency: given up; only shipment_reorder starts again
        logger.info(
            "asking the courier for shipment %s (attempt %d, key %s)",
            shipment.pk,
            shipment.attempts + 1,
            shipment.idempotency_key,
        )
        try:
            waybill = courier_backend().order(_order_of(shipment))
        except TransientCourierError as error:
            shipment.attempts += 1
            shipment.last_error = str(error)
            ShipmentAttempt.objects.create(shipment=shipment, ok=False, error=str(error))
            if shipment.attempts >= max_attempts():
                note = recorded("快递下单失败（已尝试%(n)d次）：%(e)s")
                _fail(shipment, note % {"n": shipment.attempts, "e": error})
            else:
                delay = retry_countdown(shipment.attempts)
                shipment.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
                shipment.save(
                    update_fields=["attempts", "last_error", "next_attempt_at", "updated_at"]
                )
                transient = error
        except PermanentCourierError as error:
            shipment.attempts += 1
            shipment.last_error = str(error)
            ShipmentAttempt.objects.create(shipment=shipment, ok=False, error=str(error))
            _fail(shipment, _("快递拒绝下单：%(e)s") % {"e": error})
        else:
            _record_waybill(shipment, waybill)
    if transient is not None:
        raise transient
    return shipment


def _record_waybill(shipment: Shipment, waybill: str) -> None:
    shipment.attempts += 1
    shipment.waybill = waybill
    shipment.status = ShipmentStatus.REQUESTED
    shipment.ordered_at = timezone.now()
    shipment.next_attempt_at = None
    shipment.last_error = ""
    try:
        with transaction.atomic():
            shipment.save()
    except IntegrityError:
        # The courier gave a waybill that another shipment holds: no retry will mend that.
        shipment.refresh_from_db()
        shipment.attempts += 1
        error = _("快递返回的运单号 %(w)s 已属于其他快递。") % {"w": waybill}
        ShipmentAttempt.objects.create(shipment=shipment, ok=False, waybill=waybill, error=error)
        shipment.last_error = error
        _fail(shipment, error)
        return
    ShipmentAttempt.objects.create(shipment=shipment, ok=True, waybill=waybill)
    _event(
        shipment,
        ShipmentStatus.REQUESTED,
        _("已下单，运单号：%(w)s") % {"w": waybill},
        EventSource.SYSTEM,
    )
    try:
        with transaction.atomic():
            case_record_waybill(case=shipment.case, waybill=waybill)
    except InvalidTransitionError:
        logger.warning(
            "case %s is no longer in transit; waybill %s kept", shipment.case_id, waybill
        )


def _fail(shipment: Shipment, note: str) -> None:
    """Mark the shipment's ordering failed, append the step, tell the applicant and the clerks.

    ``note`` (what the courier said) is for the admin; the people are told in plain words.
    """
    shipment.status = ShipmentStatus.FAILED
    shipment.next_attempt_at = None
    shipment.save()
    _event(shipment, ShipmentStatus.FAILED, note, EventSource.SYSTEM)
    _tell_failed(shipment, recorded("快递下单未成功，工作人员将重新安排寄送"))


def _tell_failed(shipment: Shipment, reason: str) -> None:
    try:
        with transaction.atomic():
            case_delivery_failed(case=shipment.case, reason=reason)
    except InvalidTransitionError:
        logger.warning("case %s is no longer in transit: failure not told", shipment.case_id)


@transaction.atomic
def shipment_reorder(*, shipment: Shipment, by: User | None) -> Shipment:
    """Start ordering again for a shipment whose ordering failed (the admin's 重新下单)."""
    shipment = Shipment.objects.select_for_update(of=("self",)).get(pk=shipment.pk)
    if shipment.status != ShipmentStatus.FAILED or shipment.waybill:
        raise ShipmentError(
            _("只有下单失败、尚无运单号的快递可以重新下单。"), code="not_reorderable"
        )
    shipment.status = ShipmentStatus.PENDING
    shipment.attempts = 0
    shipment.last_error = ""
    shipment.next_attempt_at = timezone.now()
    shipment.save()
    who = getattr(by, "username", "") or recorded("系统")
    _event(
        shipment,
        ShipmentStatus.PENDING,
        recorded("重新下单（%(who)s）。", {"who": who}),
        EventSource.ADMIN,
    )
    enqueue_after_commit(REQUEST_WAYBILL, shipment.pk)
    return shipment


@transaction.atomic
def shipment_record_update(
    *,
    waybill: str,
    status: str,
    at: datetime.datetime,
    external_id: str | None,
    note: str = "",
    source: str = EventSource.POLL,
) -> ShipmentEvent | None:
    """Append one tracking update from the courier; ``None`` when it was had before.

    A repeat (same ``external_id``) changes nothing. The step is kept in the history even
    when it arrives late, but the shipment never moves backwards. Reaching ``delivered``
    closes the case (once: nothing follows delivered); reaching ``failed`` tells the
    applicant and the clerks.
    """
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(waybill=waybill)
        .first()
    )
    if shipment is None:
        raise ShipmentNotFoundError(_("没有运单号为 %(w)s 的快递。") % {"w": waybill})
    external_id = external_id or None
    if external_id and ShipmentEvent.objects.filter(external_id=external_id).exists():
        return None  # idempotency: this update is recorded
    try:
        with transaction.atomic():
            event = _event(shipment, status, note, source, at=at, external_id=external_id)
    except IntegrityError:
        return None  # idempotency: recorded meanwhile by another delivery of the same update
    if RANK[ShipmentStatus(status)] <= RANK[ShipmentStatus(shipment.status)]:
        return event  # history only: never backwards, never twice to the same status
    shipment.status = status
    shipment.save(update_fields=["status", "updated_at"])
    if status == ShipmentStatus.DELIVERED:
        try:
            with transaction.atomic():
                case_deliver(case=shipment.case, by=None)
        except InvalidTransitionError:
            logger.warning("case %s was not in transit when delivered", shipment.case_id)
    elif status == ShipmentStatus.FAILED:
        _tell_failed(shipment, note or _("快递未能投递"))
    return event


def shipment_poll(*, shipment_id: int) -> int:
    """Fetch the courier's tracking of one open shipment; the number of new updates.

    The row is taken with SKIP LOCKED: a shipment being ordered or polled by another worker
    right now is left to that worker.
    """
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=shipment_id, status__in=TRACKED_STATUSES, waybill__isnull=False)
            .first()
        )
        if shipment is None:
            return 0  # idempotency: closed, not ordered yet, or in another worker's hands
        updates = courier_backend().track(shipment.waybill, ordered_at=shipment.ordered_at)
        recorded = 0
        for update in sorted(updates, key=lambda u: u.at):
            event = shipment_record_update(
                waybill=shipment.waybill,
                status=update.status,
                at=update.at,
                external_id=update.event_id,
                note=update.note,
                source=EventSource.POLL,
            )
            recorded += event is not None
        Shipment.objects.filter(pk=shipment.pk).update(polled_at=timezone.now())
    return recorded


def shipments_reorder_stuck() -> list[int]:
    """Order again the shipments left pending well past their next attempt; their ids.

    A shipment is stuck when the broker was down as the case shipped, or the worker holding
    its order was lost; ``COURIER_REORDER_AFTER_SECONDS`` after its attempt was due, it is
    ordered again (with the same idempotency key: no second waybill can come of it).
    """
    grace = datetime.timedelta(seconds=float(settings.COURIER_REORDER_AFTER_SECONDS))
    batch = int(settings.COURIER_POLL_BATCH)
    now = timezone.now()
    with transaction.atomic():
        stuck = list(
            Shipment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=ShipmentStatus.PENDING, waybill__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - grace))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        # Seen now: the next sweep leaves them alone for another grace period.
        Shipment.objects.filter(pk__in=stuck).update(next_attempt_at=now)
        for shipment_id in stuck:
            enqueue_after_commit(REQUEST_WAYBILL, shipment_id)
    if stuck:
        logger.info("re-ordering %d stuck shipment(s): %s", len(stuck), stuck)
    return stuck


def shipments_poll_open(*, budget_seconds: float = 180) -> dict:
    """The periodic sweep: re-order stuck shipments, poll the tracking of open ones.

    Stops polling after ``budget_seconds`` (well inside the task's time limit); the least
    recently polled go first, so the rest are next time's.
    """
    started = time.monotonic()
    reordered = shipments_reorder_stuck()
    batch = int(settings.COURIER_POLL_BATCH)
    open_ids = list(
        Shipment.objects.filter(status__in=TRACKED_STATUSES, waybill__isnull=False)
        .order_by(F("polled_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:batch]
    )
    updates = errors = 0
    for shipment_id in open_ids:
        if time.monotonic() - started > budget_seconds:
            break
        try:
            updates += shipment_poll(shipment_id=shipment_id)
        except CourierError as error:
            errors += 1
            logger.warning("tracking of shipment %s failed: %s", shipment_id, error)
    return {
        "reordered": len(reordered),
        "polled": len(open_ids),
        "updates": updates,
        "errors": errors,
    }


__all__ = [
    "retry_countdown",
    "shipment_open",
    "shipment_poll",
    "shipment_record_update",
    "shipment_reorder",
    "shipment_request_waybill",
    "shipments_poll_open",
    "shipments_reorder_stuck",
]
