"""Celery tasks of the outbox: thin wrappers around ``notices.services``."""

import logging
import time

from celery import shared_task

from .models import Notice, NoticeStatus
from .services import notice_send, notices_due

logger = logging.getLogger("notices")


@shared_task(acks_late=True, ignore_result=True)
def send_notice(notice_id: int) -> str:
    """Send one notice; on a transient failure schedule the next try (the sweeper is the net)."""
    status = notice_send(notice_id=notice_id)
    if status == NoticeStatus.PENDING:
        notice = Notice.objects.filter(pk=notice_id).values("next_attempt_at").first()
        if notice and notice["next_attempt_at"]:
            send_notice.apply_async((notice_id,), eta=notice["next_attempt_at"])
    return status


# A step's notices are sent in one task while that is quick; past this budget the rest go out
# as tasks of their own, so that a slow gateway (a timeout per notice) does not hold one worker
# process for a whole step's notices.
BATCH_BUDGET_SECONDS = 10


@shared_task(acks_late=True, ignore_result=True)
def send_notices(notice_ids: list[int], budget_seconds: float = BATCH_BUDGET_SECONDS) -> int:
    """Send the notices one step recorded, one after the other, each as ``send_notice``
    sends it (a failure is that notice's alone: it is logged and the sweep is its net);
    those left when the budget is spent are handed to ``send_notice`` tasks of their own.
    A notice already sent is not sent again when the message comes twice."""
    stop_at = time.monotonic() + budget_seconds
    for position, notice_id in enumerate(notice_ids):
        if time.monotonic() > stop_at:
            for rest in notice_ids[position:]:
                send_notice.apply_async((rest,))
            break
        try:
            send_notice(notice_id)
        except Exception:
            logger.exception("notice %s not sent; left for the sweep", notice_id)
    return len(notice_ids)


# A sweep stops after this long and leaves the rest to the next one (every 30 s), well
# inside the task time limits even when the gateway answers each call at its timeout.
SWEEP_BUDGET_SECONDS = 120


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox(budget_seconds: float = SWEEP_BUDGET_SECONDS) -> int:
    """Send whatever is due and was left unsent (broker down at commit, worker lost)."""
    stop_at = time.monotonic() + budget_seconds
    tried = 0
    for notice_id in notices_due():
        if time.monotonic() > stop_at:
            break
        notice_send(notice_id=notice_id)
        tried += 1
    return tried
