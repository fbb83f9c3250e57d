"""Celery tasks of the hall floor: thin wrappers around ``windows.services``."""

from celery import shared_task

from .services import appointment_reminders_send, appointments_mark_no_show


@shared_task(acks_late=True, ignore_result=True, time_limit=300)
def send_appointment_reminders() -> int:
    """Remind the next working day's bookings (idempotency: one notice key per booking)."""
    return appointment_reminders_send()


@shared_task(acks_late=True, ignore_result=True, time_limit=300)
def mark_appointment_no_shows() -> int:
    """Mark bookings whose slot has passed without check-in as no-shows (safe to rerun)."""
    return appointments_mark_no_show()
