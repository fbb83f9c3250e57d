"""Celery tasks of the payments: thin wrappers around ``payments.services``; both are safe to
run twice (a refund is sent once, a payment confirmed once)."""

from celery import shared_task

from .exceptions import GatewayError
from .services import (
    payment_close_order,
    payment_send_refund,
    payment_send_stray_refund,
    payments_reconcile,
)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def send_refund(payment_id: int) -> str:
    """Pay a refunded fee back through the gateway; a failure is left to the reconciliation."""
    try:
        payment = payment_send_refund(payment_id=payment_id)
    except GatewayError:
        return "failed"  # the reconciliation sends it again
    return "sent" if payment is not None else "done"


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def send_stray_refund(stray_id: int) -> str:
    """Pay back an order the case did not keep; a failure is left to the reconciliation."""
    try:
        stray = payment_send_stray_refund(stray_id=stray_id)
    except GatewayError:
        return "failed"
    return "sent" if stray is not None else "done"


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def close_order(payment_id: int) -> str:
    """Close a cancelled payment's order at the gateway; a failure is left to the
    reconciliation."""
    try:
        status = payment_close_order(payment_id=payment_id)
    except GatewayError:
        return "failed"
    return status or "done"


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=280)
def reconcile_payments() -> dict:
    """Periodic: ask the gateway about orders still open; send refunds not yet sent."""
    return payments_reconcile()
