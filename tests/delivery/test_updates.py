"""Tracking updates (poll and push alike): once each, never backwards, delivered closes."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent
from delivery import services
from delivery.exceptions import ShipmentNotFoundError
from delivery.models import Shipment, ShipmentEvent
from delivery.tasks import request_waybill
from notices.models import Notice

from .conftest import ship_courier_case


@pytest.fixture
def ordered(shipment) -> Shipment:
    """A shipment with its waybill (the simulated courier's)."""
    return services.shipment_request_waybill(shipment_id=shipment.pk)


def update(shipment, status, event_id, minutes=0, note=""):
    return services.shipment_record_update(
        waybill=shipment.waybill,
        status=status,
        at=timezone.now() + datetime.timedelta(minutes=minutes),
        external_id=event_id,
        note=note,
        source="webhook",
    )


@pytest.mark.django_db
def test_a_repeated_update_is_ignored(ordered):
    assert update(ordered, "picked_up", "E1") is not None
    assert update(ordered, "picked_up", "E1") is None
    assert ordered.history.filter(external_id="E1").count() == 1
    assert Shipment.objects.get(pk=ordered.pk).status == "picked_up"


@pytest.mark.django_db
def test_a_late_update_is_kept_but_never_moves_the_shipment_back(ordered):
    update(ordered, "in_transit", "E2", minutes=2)
    update(ordered, "picked_up", "E1", minutes=1)  # arrives late

    assert Shipment.objects.get(pk=ordered.pk).status == "in_transit"
    assert list(ordered.history.values_list("status", flat=True)) == [
        "pending",
        "requested",
        "picked_up",
        "in_transit",
    ]


@pytest.mark.django_db
def test_delivered_closes_the_case_once(ordered):
    update(ordered, "in_transit", "E1")
    update(ordered, "delivered", "E2", minutes=1)
    update(ordered, "delivered", "E3", minutes=2)  # the courier says it twice, two ids
    update(ordered, "in_transit", "E4", minutes=3)  # nothing follows delivered

    case = Case.objects.get(pk=ordered.case_id)
    assert case.status == "closed"
    assert case.closed_at is not None
    assert CaseEvent.objects.filter(case=case, action="deliver").count() == 1
    assert Shipment.objects.get(pk=ordered.pk).status == "delivered"
    assert Notice.objects.filter(template="case_delivered", channel="sms").count() == 1


@pytest.mark.django_db
def test_a_failed_delivery_tells_the_applicant_and_the_clerks(ordered, clerk):
    update(ordered, "failed", "E1", note="收件人电话无人接听")

    case = Case.objects.get(pk=ordered.case_id)
    assert case.status == "in_transit"
    assert Shipment.objects.get(pk=ordered.pk).status == "failed"
    applicant = Notice.objects.get(
        template="delivery_failed", channel="sms", address=case.applicant_phone
    )
    assert ordered.waybill in applicant.text
    assert "收件人电话无人接听" in applicant.text
    assert Notice.objects.filter(
        template="delivery_failed", recipient=case.owner, channel="inbox"
    ).exists()
    assert Notice.objects.filter(template="delivery_failed", recipient=clerk).exists()
    # The courier tries again and succeeds: the case closes.
    update(ordered, "delivered", "E2", minutes=60)
    assert Case.objects.get(pk=case.pk).status == "closed"


@pytest.mark.django_db
def test_an_unknown_waybill_is_refused(ordered):
    with pytest.raises(ShipmentNotFoundError):
        services.shipment_record_update(
            waybill="NOPE", status="delivered", at=timezone.now(), external_id="X", note=""
        )


@pytest.mark.django_db
def test_polling_follows_the_simulated_progression(ordered, settings):
    settings.COURIER_SIM_STEP_SECONDS = 60
    Shipment.objects.filter(pk=ordered.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(seconds=150)
    )
    assert services.shipment_poll(shipment_id=ordered.pk) == 2
    assert services.shipment_poll(shipment_id=ordered.pk) == 0  # nothing new
    shipment = Shipment.objects.get(pk=ordered.pk)
    assert shipment.status == "in_transit" and shipment.polled_at is not None

    Shipment.objects.filter(pk=ordered.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert services.shipment_poll(shipment_id=ordered.pk) == 2
    assert Shipment.objects.get(pk=ordered.pk).status == "delivered"
    assert Case.objects.get(pk=ordered.case_id).status == "closed"
    assert services.shipment_poll(shipment_id=ordered.pk) == 0  # no longer open
    assert [e.note for e in ordered.history.filter(source="poll").order_by("external_id")] == [
        "已揽收",
        "运输中",
        "派送中",
        "已签收",
    ]


@pytest.mark.django_db
def test_the_sweep_reorders_stuck_shipments_and_polls_open_ones(
    citizen, clerk, matter, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.COURIER_REORDER_AFTER_SECONDS = 300
    enqueued = []
    monkeypatch.setattr(request_waybill, "delay", enqueued.append)
    stuck, fresh, moving = (
        Shipment.objects.get(case=ship_courier_case(citizen=citizen, clerk=clerk, matter=matter))
        for _ in range(3)
    )
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    Shipment.objects.filter(pk=stuck.pk).update(next_attempt_at=long_ago)
    services.shipment_request_waybill(shipment_id=moving.pk)
    Shipment.objects.filter(pk=moving.pk).update(ordered_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.shipments_poll_open()

    assert enqueued == [stuck.pk]  # the fresh one's order is still on its way
    assert outcome == {"reordered": 1, "polled": 1, "updates": 4, "errors": 0}
    assert Shipment.objects.get(pk=moving.pk).status == "delivered"
    # Seen: the next sweep leaves it alone for another grace period.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.shipments_reorder_stuck() == []
    assert fresh.pk not in enqueued


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_polling_skips_a_shipment_another_worker_holds(citizen, clerk, matter, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is what is tested: PostgreSQL only")
    monkeypatch.setattr(request_waybill, "delay", lambda pk: None)
    case = ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    shipment = services.shipment_request_waybill(shipment_id=case.shipment.pk)
    Shipment.objects.filter(pk=shipment.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Shipment.objects.select_for_update().get(pk=shipment.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert services.shipment_poll(shipment_id=shipment.pk) == 0  # skipped, not waited for
    finally:
        release.set()
        holder.join(timeout=30)
    assert services.shipment_poll(shipment_id=shipment.pk) == 4
    assert ShipmentEvent.objects.filter(shipment=shipment, source="poll").count() == 4
