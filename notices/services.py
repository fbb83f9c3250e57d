"""Create notices (in the caller's transaction) and send them (in Celery, after commit)."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core import signing
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.compiled import insert_rows
from accounts.enqueue import enqueue_after_commit
from accounts.identity import mask_phone
from accounts.language import hall_language

from .backends import PermanentSendError, TransientSendError, email_backend, sms_backend
from .exceptions import EmailAddressError
from .models import Channel, EmailAddress, Notice, NoticeAttempt, NoticeStatus

logger = logging.getLogger("notices")

# Notices whose text is a secret of its recipient (a one-time code): kept only until the last
# try, never shown in the admin, so that nobody who reads the outbox can use it.
SECRET_TEMPLATES = frozenset({"password_reset_code"})
REDACTED_TEXT = "（一次性验证码短信，内容不予保存）"


def template_name(template: str, channel: str) -> str:
    """E-mails have templates of their own (``notices/email/``); SMS and inbox share one."""
    if channel == Channel.EMAIL:
        return f"notices/email/{template}.txt"
    return f"notices/{template}.txt"


def has_template(template: str, channel: str) -> bool:
    try:
        get_template(template_name(template, channel))
    except TemplateDoesNotExist:
        return False
    return True


def render_notice(template: str, context: dict, channel: str = Channel.SMS) -> tuple[str, str]:
    """The subject (first line) and the text of a notice template, in Chinese (dates too,
    even when the page that caused the notice was shown in English)."""
    with hall_language():
        rendered = render_to_string(template_name(template, channel), context).strip()
    subject, _sep, body = rendered.partition("\n")
    return subject.strip(), (body.strip() or subject.strip())


def confirmed_email(user) -> str:
    """The address ``user`` confirmed for notices, or ``""``."""
    if user is None or not user.pk:
        return ""
    return EmailAddress.objects.filter(user=user).values_list("email", flat=True).first() or ""


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
    being there. An e-mail goes to the recipient's confirmed address only (an unconfirmed
    ``User.email`` is never used), and only for templates that have an e-mail version.

    ``daily_limit_per_address`` caps the notices of this template to one address per day
    (``None`` when over it): for addresses anyone may type in, so that the hall is not a way
    to text strangers.
    """
    if channel == Channel.SMS:
        address = address or (recipient.phone if recipient else "")
    elif channel == Channel.EMAIL:
        address = address or confirmed_email(recipient)
    if channel != Channel.INBOX and not address:
        return None
    if channel == Channel.INBOX and recipient is None:
        return None
    if channel == Channel.EMAIL and not has_template(template, channel):
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
    subject, text = render_notice(template, context, channel)
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
        enqueue_after_commit("notices.tasks.send_notice", notice.pk)
    return notice


@dataclass(frozen=True)
class NoticeDraft:
    """One notice to record with ``notices_create``; ``fresh``: its key cannot exist yet
    (it names an event made in this very transaction), so nothing is looked up."""

    key: str
    channel: str
    template: str
    context: dict
    recipient: object = None
    address: str = ""
    fresh: bool = False


def notices_create(drafts: list[NoticeDraft]) -> list[Notice]:
    """Record many notices at once, as ``notice_create`` records one (same rules, no daily
    limit): one query for the recipients' confirmed e-mail addresses, one for the keys
    already recorded (none when every draft is ``fresh``), one INSERT, each template
    rendered once per context, and the sends enqueued after commit in one message.

    The caller holds the lock that makes its keys its own (the case row), so no concurrent
    transaction records the same key meanwhile. Returns the notices created.
    """
    emails: dict[int, str] = {}
    wanted = set()
    for draft in drafts:
        recipient = draft.recipient
        if (
            draft.channel != Channel.EMAIL
            or draft.address
            or recipient is None
            or not recipient.pk
            or not has_template(draft.template, draft.channel)
        ):
            continue
        if type(recipient).notice_email.is_cached(recipient):
            # Read with the recipient (``select_related("owner__notice_email")``).
            stored = getattr(recipient, "notice_email", None)
            emails[recipient.pk] = stored.email if stored is not None else ""
        else:
            wanted.add(recipient.pk)
    if wanted:
        emails.update(
            EmailAddress.objects.filter(user_id__in=wanted)
            .exclude(email="")
            .values_list("user_id", "email")
        )
    rows = []
    for draft in drafts:
        channel, recipient, address = draft.channel, draft.recipient, draft.address
        if channel == Channel.SMS:
            address = address or (recipient.phone if recipient else "")
        elif channel == Channel.EMAIL:
            if not has_template(draft.template, channel):
                continue
            address = address or (emails.get(recipient.pk, "") if recipient else "")
        if channel != Channel.INBOX and not address:
            continue
        if channel == Channel.INBOX and recipient is None:
            continue
        recipient_key = f"user:{recipient.pk}" if recipient is not None else address
        rows.append((draft, address, recipient_key))
    seen = set()
    stale = [(d.key, d.channel, k) for d, _a, k in rows if not d.fresh]
    if stale:
        seen = set(
            Notice.objects.filter(key__in={key for key, _c, _k in stale}).values_list(
                "key", "channel", "recipient_key"
            )
        )
    rendered: dict[tuple[str, int], tuple[str, str]] = {}
    now = timezone.now()
    notices = []
    for draft, address, recipient_key in rows:
        identity = (draft.key, draft.channel, recipient_key)
        if identity in seen:
            continue
        seen.add(identity)
        name = (template_name(draft.template, draft.channel), id(draft.context))
        if name not in rendered:
            rendered[name] = render_notice(draft.template, draft.context, draft.channel)
        subject, text = rendered[name]
        inbox = draft.channel == Channel.INBOX
        notices.append(
            Notice(
                key=draft.key,
                channel=draft.channel,
                recipient=draft.recipient,
                recipient_key=recipient_key,
                address=address,
                template=draft.template,
                subject=subject,
                text=text,
                status=NoticeStatus.SENT if inbox else NoticeStatus.PENDING,
                sent_at=now if inbox else None,
                next_attempt_at=None if inbox else now,
            )
        )
    if not notices:
        return []
    insert_rows(notices)
    to_send = [notice.pk for notice in notices if notice.channel != Channel.INBOX]
    if len(to_send) == 1:
        enqueue_after_commit("notices.tasks.send_notice", to_send[0])
    elif to_send:
        # One message for the step's notices (an acceptance tells the applicant and each
        # reviewing department's approvers): publishing one per notice had been most of the
        # request's time after its commit.
        enqueue_after_commit("notices.tasks.send_notices", to_send)
    return notices


def _uncapped(*, key: str, channel: str, recipient_key: str) -> bool:
    """Whether the notice is an in-portal message or already recorded (caps do not apply)."""
    if channel == Channel.INBOX:
        return True
    return Notice.objects.filter(key=key, channel=channel, recipient_key=recipient_key).exists()


def _masked(address: str) -> str:
    return mask_phone(address) if address.isdigit() else "***"


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


def _due(notice: Notice) -> bool:
    """Pending and due: a retry waits for its backoff, whoever asks (a task's eta, the
    sweeper, a duplicate message); a first attempt goes at once, whatever the clocks say."""
    return notice.status == NoticeStatus.PENDING and (
        notice.attempts == 0
        or notice.next_attempt_at is None
        or notice.next_attempt_at <= timezone.now()
    )


def notice_send(*, notice_id: int) -> str:
    """Send one pending notice; return its status afterwards.

    The row stays locked while the gateway is asked, and a second sender skips it
    (``SKIP LOCKED``), so one notice goes out once. A transient failure leaves it pending
    with a later ``next_attempt_at``; the last allowed failure marks it failed.
    """
    with transaction.atomic():
        # Locked by its key alone, the rest checked on the row: with the status in the query
        # the planner could walk every pending notice's index entry instead (a backlog in the
        # outbox, statistics from before it: 3-4 ms a send in bench/http_lifecycle.py).
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=notice_id)
            .order_by()
            .first()
        )
        # idempotency: already sent, failed, not yet due, or being sent by someone else now.
        if notice is None or not _due(notice):
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
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=NoticeStatus.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )


@transaction.atomic
def notice_resend(*, notice: Notice, by=None) -> Notice:
    """Put a failed notice back in the outbox (admin action)."""
    notice = Notice.objects.select_for_update(of=("self",)).get(pk=notice.pk)
    if notice.status != NoticeStatus.FAILED:
        return notice
    notice.status = NoticeStatus.PENDING
    notice.attempts = 0
    notice.next_attempt_at = timezone.now()
    notice.save(update_fields=["status", "attempts", "next_attempt_at"])
    enqueue_after_commit("notices.tasks.send_notice", notice.pk)
    return notice


# E-mail addresses ---------------------------------------------------------------------------

EMAIL_CONFIRM_SALT = "notices.email-confirm"


def email_confirm_token(address: EmailAddress) -> str:
    """A signed, timestamped token naming the account, the address and this very request."""
    return signing.dumps(
        {"u": address.user_id, "e": address.pending_email, "t": address.requested_at.isoformat()},
        salt=EMAIL_CONFIRM_SALT,
    )


@transaction.atomic
def email_address_request(*, user, email: str, by) -> EmailAddress:
    """Take ``email`` as the user's address to confirm and e-mail it the confirmation link.

    Only the account holder sets their own address. Notices keep going to the address
    confirmed before (if any) until the new one is confirmed. A day allows a few
    confirmation e-mails per account, so the portal is no way to mail strangers.
    """
    if by is None or by.pk != user.pk:
        raise EmailAddressError(_("只能设置本人的邮箱。"), code="not_yours")
    email = BaseUserManager.normalize_email(email.strip())
    address, _created = EmailAddress.objects.select_for_update(of=("self",)).get_or_create(
        user=user
    )
    if address.email and address.email.lower() == email.lower():
        raise EmailAddressError(_("该邮箱已确认，无需再次确认。"), code="already_confirmed")
    since = timezone.now() - datetime.timedelta(days=1)
    sent = Notice.objects.filter(
        recipient=user, channel=Channel.EMAIL, template="email_confirm", created_at__gte=since
    ).count()
    if sent >= settings.EMAIL_CONFIRM_DAILY_LIMIT:
        raise EmailAddressError(
            _("今天发送的确认邮件已达上限，请明天再试。"), code="too_many_confirmations"
        )
    address.pending_email = email
    address.requested_at = timezone.now()
    address.save(update_fields=["pending_email", "requested_at"])
    link = settings.SITE_URL + reverse("notices:email-confirm", args=[email_confirm_token(address)])
    notice_create(
        key=f"email-confirm:{user.pk}:{address.requested_at.timestamp():.6f}",
        channel=Channel.EMAIL,
        template="email_confirm",
        context={
            "hall": settings.HALL_NAME,
            "link": link,
            "hours": settings.EMAIL_CONFIRM_MAX_AGE // 3600,
        },
        recipient=user,
        address=email,
    )
    return address


@transaction.atomic
def email_address_confirm(*, token: str, by) -> EmailAddress:
    """Confirm the address a token names, for the signed-in account it was issued to.

    A token is good for ``EMAIL_CONFIRM_MAX_AGE`` seconds and for the latest request only;
    opening it again once confirmed changes nothing.
    """
    try:
        claim = signing.loads(
            token, salt=EMAIL_CONFIRM_SALT, max_age=settings.EMAIL_CONFIRM_MAX_AGE
        )
    except signing.SignatureExpired as error:
        expired = _("确认链接已过期，请重新发送确认邮件。")
        raise EmailAddressError(expired, code="expired") from error
    except signing.BadSignature as error:
        raise EmailAddressError(_("确认链接无效。"), code="invalid") from error
    if not isinstance(claim, dict) or by is None or claim.get("u") != by.pk:
        raise EmailAddressError(
            _("此确认链接不属于当前登录的账户，请用设置邮箱的账户登录后再打开。"), code="not_yours"
        )
    address = EmailAddress.objects.select_for_update(of=("self",)).filter(user=by).first()
    if address is not None and not address.pending_email and address.email == claim.get("e"):
        return address  # idempotency: confirmed already
    if (
        address is None
        or address.pending_email != claim.get("e")
        or address.requested_at is None
        or address.requested_at.isoformat() != claim.get("t")
    ):
        superseded = _("此确认链接已失效（邮箱已更换或已重新发送），请使用最新的确认邮件。")
        raise EmailAddressError(superseded, code="superseded")
    address.email = address.pending_email
    address.pending_email = ""
    address.confirmed_at = timezone.now()
    address.save(update_fields=["email", "pending_email", "confirmed_at"])
    return address


@transaction.atomic
def email_address_remove(*, user, by) -> None:
    """Stop e-mail notices: forget the confirmed and the pending address."""
    if by is None or by.pk != user.pk:
        raise EmailAddressError(_("只能设置本人的邮箱。"), code="not_yours")
    EmailAddress.objects.filter(user=user).delete()
