"""Celery tasks of the courier integration (filled in by the delivery work)."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def request_waybill(shipment_id: int) -> None:
    """Ask the courier for a waybill for the shipment (once)."""
