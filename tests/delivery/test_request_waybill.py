"""Ordering the waybill: once, whatever runs twice or dies half-way; retries, then failure."""

import datetime

import pytest
from django.utils import timezone

from cases.models import CaseEvent
from delivery import services
from delivery.backends import SimulatedCourier
from delivery.exceptions import PermanentCourierError, ShipmentError, TransientCourierError
from delivery.models import Shipment, ShipmentAttempt, ShipmentEvent
from delivery.tasks import request_waybill
from notices.models import Notice

from .conftest import ship_courier_case

pytestmark = pytest.mark.django_db

ANSWERED: list[str] = []


class AnswersThenDies(SimulatedCourier):
    """The courier takes the order and answers; the worker dies before anything is saved."""

    def order(self, order):
        ANSWERED.append(super().order(order))
        raise SystemExit("worker lost after the courier answered")


class AlwaysBusy:
    def order(self, order):
        raise TransientCourierError("快递接口返回 503：busy")


class Refuses:
    def order(self, order):
        raise PermanentCourierError("快递接口拒绝（400）：address")


class BusyTwice(SimulatedCourier):
    calls = 0

    def order(self, order):
        BusyTwice.calls += 1
        if BusyTwice.calls <= 2:
            raise TransientCourierError(f"快递接口返回 500：try {BusyTwice.calls}")
        return super().order(order)


def test_the_waybill_is_recorded_once_when_the_order_runs_twice(shipment):
    first = services.shipment_request_waybill(shipment_id=shipment.pk)
    second = services.shipment_request_waybill(shipment_id=shipment.pk)

    assert first.waybill == second.waybill == SimulatedCourier.waybill_for(shipment.idempotency_key)
    shipment.refresh_from_db()
    assert shipment.status == "requested"
    assert shipment.attempts == 1
    assert shipment.ordered_at is not None
    assert shipment.history.filter(status="requested").count() == 1
    case = shipment.case
    case.refresh_from_db()
    assert case.waybill == shipment.waybill
    assert CaseEvent.objects.filter(case=case, action="waybill").count() == 1
    # The applicant is told the waybill once (SMS and, with an account, the message centre).
    told = Notice.objects.filter(template="case_shipped")
    assert told.count() == 2
    assert all(shipment.waybill in notice.text for notice in told)


def test_the_task_run_twice_gives_one_waybill(shipment):
    request_waybill.apply(args=(shipment.pk,))
    request_waybill.apply(args=(shipment.pk,))

    shipment.refresh_from_db()
    assert shipment.waybill
    assert ShipmentAttempt.objects.filter(shipment=shipment).count() == 1
    assert CaseEvent.objects.filter(case=shipment.case, action="waybill").count() == 1


def test_a_crash_after_the_courier_answered_gets_the_same_waybill_on_the_rerun(shipment, settings):
    ANSWERED.clear()
    settings.COURIER_BACKEND = "tests.delivery.test_request_waybill.AnswersThenDies"
    with pytest.raises(SystemExit):
        services.shipment_request_waybill(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    assert shipment.waybill is None and shipment.status == "pending"  # nothing was saved
    assert len(ANSWERED) == 1

    settings.COURIER_BACKEND = "delivery.backends.SimulatedCourier"
    services.shipment_request_waybill(shipment_id=shipment.pk)

    shipment.refresh_from_db()
    assert shipment.waybill == ANSWERED[0]  # the same key sent again, the same waybill back
    assert Shipment.objects.filter(waybill=ANSWERED[0]).count() == 1
    assert CaseEvent.objects.filter(case=shipment.case, action="waybill").count() == 1


def test_a_transient_error_counts_an_attempt_and_sets_the_next_one(shipment, settings):
    settings.COURIER_BACKEND = "tests.delivery.test_request_waybill.AlwaysBusy"
    before = timezone.now()
    with pytest.raises(TransientCourierError):
        services.shipment_request_waybill(shipment_id=shipment.pk)

    shipment.refresh_from_db()
    assert shipment.status == "pending"
    assert shipment.attempts == 1
    assert "503" in shipment.last_error
    wait = shipment.next_attempt_at - before
    assert datetime.timedelta(seconds=30) <= wait <= datetime.timedelta(seconds=34)
    assert list(shipment.tries.values_list("ok", flat=True)) == [False]


def test_backoff_is_exponential_and_capped(settings):
    settings.COURIER_RETRY_BASE_SECONDS = 30
    settings.COURIER_RETRY_MAX_SECONDS = 200
    for attempts, low in ((1, 30), (2, 60), (3, 120), (4, 200), (9, 200)):
        assert low <= services.retry_countdown(attempts) <= low * 1.1


def test_after_the_last_attempt_the_shipment_fails_and_people_are_told(shipment, settings, clerk):
    settings.COURIER_BACKEND = "tests.delivery.test_request_waybill.AlwaysBusy"
    settings.COURIER_MAX_ATTEMPTS = 3
    for _attempt in range(2):
        with pytest.raises(TransientCourierError):
            services.shipment_request_waybill(shipment_id=shipment.pk)
    services.shipment_request_waybill(shipment_id=shipment.pk)  # the last: no raise

    shipment.refresh_from_db()
    assert shipment.status == "failed"
    assert shipment.attempts == 3
    assert shipment.tries.count() == 3
    failed = shipment.history.get(status="failed")
    assert "已尝试3次" in failed.note
    # Given up: another run changes nothing.
    services.shipment_request_waybill(shipment_id=shipment.pk)
    assert Shipment.objects.get(pk=shipment.pk).attempts == 3
    notices = Notice.objects.filter(template="delivery_failed")
    assert notices.filter(address=shipment.case.applicant_phone, channel="sms").count() == 1
    assert notices.filter(recipient=clerk, channel="inbox").count() == 1


def test_a_permanent_error_fails_at_once(shipment, settings):
    settings.COURIER_BACKEND = "tests.delivery.test_request_waybill.Refuses"
    services.shipment_request_waybill(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    assert shipment.status == "failed"
    assert shipment.attempts == 1
    assert "400" in shipment.last_error


def test_the_task_retries_transient_errors_then_records_the_waybill(shipment, settings):
    BusyTwice.calls = 0
    settings.COURIER_BACKEND = "tests.delivery.test_request_waybill.BusyTwice"
    # Applied in-process, a retry runs at once, nested; let it return instead of raising.
    conf = request_waybill.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        result = request_waybill.apply(args=(shipment.pk,))
    finally:
        conf.task_eager_propagates = propagates

    assert result.get() == "requested"
    shipment.refresh_from_db()
    assert shipment.waybill == SimulatedCourier.waybill_for(shipment.idempotency_key)
    assert shipment.attempts == 3
    assert [t.ok for t in shipment.tries.all()] == [False, False, True]
    assert [t.error for t in shipment.tries.all()][:2] == [
        "快递接口返回 500：try 1",
        "快递接口返回 500：try 2",
    ]


def test_reorder_starts_a_failed_order_again(
    shipment, settings, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    settings.COURIER_BACKEND = "tests.delivery.test_request_waybill.Refuses"
    services.shipment_request_waybill(shipment_id=shipment.pk)
    enqueued = []
    monkeypatch.setattr(request_waybill, "delay", enqueued.append)
    settings.COURIER_BACKEND = "delivery.backends.SimulatedCourier"

    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_reorder(shipment=shipment, by=admin_user)

    shipment.refresh_from_db()
    assert (shipment.status, shipment.attempts, shipment.last_error) == ("pending", 0, "")
    assert enqueued == [shipment.pk]
    assert shipment.history.filter(status="pending", source="admin").count() == 1
    services.shipment_request_waybill(shipment_id=shipment.pk)
    assert Shipment.objects.get(pk=shipment.pk).status == "requested"


def test_reorder_refuses_a_shipment_that_did_not_fail(shipment, admin_user):
    with pytest.raises(ShipmentError):
        services.shipment_reorder(shipment=shipment, by=admin_user)


def test_shipping_without_a_waybill_orders_after_commit(
    citizen, clerk, matter, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(request_waybill, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    shipment = Shipment.objects.get(case=case)
    assert enqueued == [shipment.pk]
    assert (shipment.status, shipment.waybill) == ("pending", None)


def test_shipping_with_a_typed_waybill_orders_nothing(citizen, clerk, matter, monkeypatch):
    enqueued = []
    monkeypatch.setattr(request_waybill, "delay", enqueued.append)
    case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter, waybill="SF1234567890")
    shipment = Shipment.objects.get(case=case)
    assert (shipment.status, shipment.waybill) == ("requested", "SF1234567890")
    assert ShipmentEvent.objects.get(shipment=shipment).source == "clerk"
    assert enqueued == []
