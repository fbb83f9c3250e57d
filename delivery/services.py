"""Shipments: open one when a case is shipped; the courier integration fills it in."""

from django.db import transaction

from cases.models import Case

from .models import Shipment


def shipment_open(*, case: Case) -> Shipment:
    """The shipment of a case handed to the courier (one per case; a repeat returns it).

    Runs in the ``ship`` transition's transaction; asking the courier for a waybill is a
    task after commit unless the clerk typed the waybill already.
    """
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
            "status": "requested" if case.waybill else "pending",
        },
    )
    if created and not case.waybill:
        from .tasks import request_waybill

        transaction.on_commit(lambda: _enqueue(request_waybill, shipment.pk))
    return shipment


def _enqueue(task, shipment_id: int) -> None:
    try:
        task.delay(shipment_id)
    except Exception:  # the broker is down: the tracking sweep orders it later
        import logging

        logging.getLogger("delivery").warning("broker unavailable; shipment %s", shipment_id)
