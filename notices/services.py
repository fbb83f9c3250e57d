"""Create notices (in the caller's transaction) and send them (in Celery, after commit)."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.identity import mask_phone

from .backends import PermanentSendError, TransientSendError, email_backend, sms_backend
from .models import Channel, Notice, NoticeAttempt, NoticeStatus

logger = logging.getLogger("notices")

# Notices whose text is a secret of its recipient (a one-time code): kept only until the last
# try, never shown in the admin, so that nobody who reads the outbox can use it.
SECRET_TEMPLATES = frozenset({"password_reset_code"})
REDACTED_TEXT = "（一次性验证码短信，内容不予保存）"


def render_notice(template: str, context: dict) -> tuple[str, str]:
    """The subject (first line) and the text of a notice template, in Chinese."""
    rendered = render_to_string(f"notices/{template}.txt", context).strip()
    subject, _sep, body = rendered.partition("\n")
    return subject.strip(), (body.strip() or subject.strip())


def notice_create(
    *,
    key: str,
    channel: str,
    template: str,
    context: dict,
    recipient=None,
    address: str = "",
    daily_limit_per_address: int | None = None,
) -> Notice | None:
    """Record a notice to send once; ``None`` when there is nowhere to send it.

    Call inside the transaction of the change it tells of: it exists if and only if that
    change commits. Sending is scheduled after commit; an in-portal message is delivered by
    being there.

    ``daily_limit_per_address`` caps the notices of this template to one address per day
    (``None`` when over it): for addresses anyone may type in, so that the hall is not a way
    to text strangers.
    """
    if channel == Channel.SMS:
        address = address or (recipient.phone if recipient else "")
    elif channel == Channel.EMAIL:
        address = address or (recipient.email if recipient else "")
    if channel != Channel.INBOX and not address:
        return None
    if channel == Channel.INBOX and recipient is None:
        return None
    recipient_key = f"user:{recipient.pk}" if recipient is not None else address
    if daily_limit_per_address is not None and not _uncapped(
        key=key, channel=channel, recipient_key=recipient_key
    ):
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        sent_today = Notice.objects.filter(
            channel=channel, address=address, template=template, created_at__gte=midnight
        ).count()
        if sent_today >= daily_limit_per_address:
            logger.info("daily limit reached: no %s %s to %s", channel, template, _masked(address))
            return None
    subject, text = render_notice(template, context)
    inbox = channel == Channel.INBOX
    notice, created = Notice.objects.get_or_create(
        key=key,
        channel=channel,
        recipient_key=recipient_key,
        defaults={
            "recipient": recipient,
            "address": address,
            "template": template,
            "subject": subject,
            "text": text,
            "status": NoticeStatus.SENT if inbox else NoticeStatus.PENDING,
            "sent_at": timezone.now() if inbox else None,
            "next_attempt_at": None if inbox else timezone.now(),
        },
    )
    if created and not inbox:
        from .tasks import send_notice

        transaction.on_commit(lambda: _enqueue(send_notice, notice.pk))
    return notice


def _uncapped(*, key: str, channel: str, recipient_key: str) -> bool:
    """Whether the notice is an in-portal message or already recorded (caps do not apply)."""
    if channel == Channel.INBOX:
        return True
    return Notice.objects.filter(key=key, channel=channel, recipient_key=recipient_key).exists()


def _masked(address: str) -> str:
    return mask_phone(address) if address.isdigit() else "***"


def _enqueue(task, notice_id: int) -> None:
    """Hand the notice to Celery; if the broker is down the sweeper sends it later."""
    try:
        task.delay(notice_id)
    except Exception:  # any broker failure: the outbox row is the safety net
        logger.warning("broker unavailable; notice %s left for the sweeper", notice_id)


def backoff(attempts: int) -> datetime.timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min… capped at the setting."""
    seconds = settings.NOTICE_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return datetime.timedelta(seconds=min(seconds, settings.NOTICE_RETRY_MAX_SECONDS))


def _deliver(notice: Notice) -> str:
    if notice.channel == Channel.SMS:
        return sms_backend().send(
            address=notice.address, text=notice.text, idempotency_key=f"notice-{notice.pk}"
        )
    if notice.channel == Channel.EMAIL:
        return email_backend().send(
            address=notice.address,
            text=notice.text,
            subject=notice.subject,
            idempotency_key=f"notice-{notice.pk}",
        )
    return ""


def notice_send(*, notice_id: int) -> str:
    """Send one pending notice; return its status afterwards.

    The row stays locked while the gateway is asked, and a second sender skips it
    (``SKIP LOCKED``), so one notice goes out once. A transient failure leaves it pending
    with a later ``next_attempt_at``; the last allowed failure marks it failed.
    """
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, status=NoticeStatus.PENDING)
            # A retry waits for its backoff, whoever asks (a task's eta, the sweeper, a
            # duplicate message); a first attempt goes at once, whatever the clocks say.
            .filter(
                Q(attempts=0)
                | Q(next_attempt_at__isnull=True)
                | Q(next_attempt_at__lte=timezone.now())
            )
            .first()
        )
        # idempotency: already sent, failed, not yet due, or being sent by someone else now.
        if notice is None:
            return "skipped"
        notice.attempts += 1
        try:
            notice.provider_id = _deliver(notice)[:100]
        except Exception as error:
            # Any failure is an attempt on record: an unexpected one (a misconfigured
            # backend, a bug) counts as transient, so it ends failed and visible in the admin
            # instead of rolling back and being retried by the sweeper for ever.
            if not isinstance(error, (TransientSendError, PermanentSendError)):
                logger.exception("notice %s: unexpected error from the backend", notice.pk)
            permanent = isinstance(error, PermanentSendError)
            notice.last_error = str(error)[:2000]
            NoticeAttempt.objects.create(notice=notice, ok=False, error=notice.last_error)
            if permanent or notice.attempts >= settings.NOTICE_MAX_ATTEMPTS:
                notice.status = NoticeStatus.FAILED
                notice.next_attempt_at = None
            else:
                notice.next_attempt_at = timezone.now() + backoff(notice.attempts)
            logger.warning(
                "notice %s to %s failed (attempt %s): %s",
                notice.pk,
                mask_phone(notice.address) if notice.channel == Channel.SMS else notice.channel,
                notice.attempts,
                error,
            )
        else:
            notice.status = NoticeStatus.SENT
            notice.sent_at = timezone.now()
            notice.next_attempt_at = None
            NoticeAttempt.objects.create(notice=notice, ok=True)
        if notice.template in SECRET_TEMPLATES and notice.status != NoticeStatus.PENDING:
            notice.text = REDACTED_TEXT
        notice.save()
        return notice.status


def notices_due(*, limit: int = 500) -> list[int]:
    """Pending notices whose time has come and that nobody is sending now."""
    with transaction.atomic():
        return list(
            Notice.objects.select_for_update(skip_locked=True)
            .filter(status=NoticeStatus.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )


@transaction.atomic
def notice_resend(*, notice: Notice, by=None) -> Notice:
    """Put a failed notice back in the outbox (admin action)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.FAILED:
        return notice
    notice.status = NoticeStatus.PENDING
    notice.attempts = 0
    notice.next_attempt_at = timezone.now()
    notice.save(update_fields=["status", "attempts", "next_attempt_at"])
    from .tasks import send_notice

    transaction.on_commit(lambda: _enqueue(send_notice, notice.pk))
    return notice
