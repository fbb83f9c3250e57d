"""The notice outbox: every message to a person is a row first, sent after commit.

A notice is created in the same transaction as the change that caused it, so a change that
commits always has its notices, and a change that rolls back has none. A Celery task sends
it after commit; a periodic sweeper picks up whatever was left (broker down, worker died).
The unique key (event, channel, recipient) makes a notice exist once, whoever creates it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_phone


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    INBOX = "inbox", _("站内消息")


def mask_address(channel: str, address: str) -> str:
    """A phone as ``138****5678``, an e-mail as ``ab***@example.com``."""
    if channel == Channel.SMS:
        return mask_phone(address)
    if channel == Channel.EMAIL and "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:2]}***@{domain}"
    return address


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notice(models.Model):
    """One message on one channel to one recipient."""

    key = models.CharField(_("事件键"), max_length=120)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
        # The (recipient, channel, -created_at) index begins with it.
        db_index=False,
    )
    # Who it goes to, for uniqueness: "user:<id>" or the address when there is no account.
    recipient_key = models.CharField(max_length=254)
    address = models.CharField(_("地址"), max_length=254, blank=True)
    template = models.CharField(_("模板"), max_length=60)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=NoticeStatus.choices,
        default=NoticeStatus.PENDING,
        # The (status, next_attempt_at) index begins with it.
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("网关消息号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # In-portal messages only: when the recipient first saw it in the message centre.
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "recipient_key"], name="notice_once_per_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "channel", "-created_at"]),
            # The unread count in every signed-in page's navigation.
            models.Index(
                fields=["recipient"],
                condition=models.Q(channel="inbox", read_at__isnull=True),
                name="notice_unread_inbox",
            ),
        ]

    def __str__(self) -> str:
        # Shown in admin pages and logs: an applicant's mobile or e-mail stays masked there.
        who = self.recipient_key
        if not who.startswith("user:"):
            who = mask_address(self.channel, who)
        return f"{self.get_channel_display()} {self.template} → {who}"


class NoticeAttempt(models.Model):
    """One try at sending a notice, kept for the admin (what the gateway said)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {'ok' if self.ok else 'error'}"


class EmailAddress(models.Model):
    """A person's e-mail address for notices: used only once confirmed.

    A new address waits in ``pending_email`` until the link e-mailed to it is opened by its
    owner; until then notices keep going to the confirmed ``email`` (if any).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notice_email",
    )
    email = models.EmailField(_("已确认的邮箱"), blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    pending_email = models.EmailField(_("待确认的邮箱"), blank=True)
    requested_at = models.DateTimeField(_("申请时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知邮箱")
        verbose_name_plural = _("通知邮箱")

    def __str__(self) -> str:
        return f"user:{self.user_id} {mask_address(Channel.EMAIL, self.email)}"
