"""Celery tasks of the top floor: thin wrappers around the scheduled scans (``hall/scans.py``),
the deemed acceptance (``cases.services``) and the supervision summary."""

import datetime

from celery import shared_task

from cases.services import cases_deem_accepted

from .scans import deadlines_scan, deferred_materials_remind, follow_ups_remind


def _day(today: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(today) if today else None


@shared_task(acks_late=True, ignore_result=True)
def scan_deadlines(today: str | None = None) -> int:
    """Yellow and red deadline warnings, once per case and colour (``deadlines_scan``)."""
    # idempotency: the outbox key deadline:<case>:<colour> makes a repeat create nothing.
    return deadlines_scan(today=_day(today))


@shared_task(acks_late=True, ignore_result=True)
def deem_accepted(today: str | None = None) -> list[str]:
    """Accept online cases unanswered for 5 working days (``cases_deem_accepted``)."""
    # idempotency: a case accepted once is no longer submitted; the next run skips it.
    return cases_deem_accepted(today=_day(today))


@shared_task(acks_late=True, ignore_result=True)
def remind_deferred_materials(today: str | None = None) -> int:
    """Deferred materials due within 2 working days (``deferred_materials_remind``)."""
    # idempotency: the outbox key deferred-due:<case>:<due date> makes a repeat create nothing.
    return deferred_materials_remind(today=_day(today))


@shared_task(acks_late=True, ignore_result=True)
def remind_follow_ups(today: str | None = None) -> int:
    """Bad-rating follow-ups nearing their due date (``follow_ups_remind``)."""
    # idempotency: the outbox key follow-up-due:<follow-up> makes a repeat create nothing.
    return follow_ups_remind(today=_day(today))


@shared_task(acks_late=True, ignore_result=True, time_limit=1800)
def refresh_supervision_summary() -> int:
    """Rebuild the dashboard's daily summary of the last 60 closed days (whole days: safe twice),
    and summarise older days not summarised yet (``manage.py supervision_summary`` does it all)."""
    from hall.supervision.summary import supervision_summary_refresh_recent

    return supervision_summary_refresh_recent()
