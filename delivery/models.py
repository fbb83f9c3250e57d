"""Courier shipments of results (快递送达): one per case, one waybill per shipment.

Invariants held by the database, not only by the code:
- one shipment per case (``case`` is one-to-one);
- one waybill per shipment and never the same waybill on two shipments (``waybill`` unique);
- the courier sees one idempotency key per shipment (``idempotency_key`` unique), so an order
  repeated after a crash gets the same waybill back;
- a shipment past ``pending`` (other than ``failed``) has its waybill;
- a courier update is recorded once (``ShipmentEvent.external_id`` unique).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("待下单")
    REQUESTED = "requested", _("已下单")
    PICKED_UP = "picked_up", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    DELIVERED = "delivered", _("已签收")
    FAILED = "failed", _("投递失败")


OPEN_STATUSES = (
    ShipmentStatus.PENDING,
    ShipmentStatus.REQUESTED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
)
# Where the courier's tracking can still move a shipment on.
TRACKED_STATUSES = (
    ShipmentStatus.REQUESTED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
)


class EventSource(models.TextChoices):
    SYSTEM = "system", _("系统")
    CLERK = "clerk", _("窗口录入")
    POLL = "poll", _("轨迹查询")
    WEBHOOK = "webhook", _("快递推送")
    ADMIN = "admin", _("后台操作")


class Shipment(models.Model):
    """The result of a case on its way to the applicant."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="shipment")
    receiver = models.CharField(_("收件人"), max_length=50)
    phone = models.CharField(_("收件电话"), max_length=11)
    province = models.CharField(_("省"), max_length=20)
    city = models.CharField(_("市"), max_length=20)
    district = models.CharField(_("区/县"), max_length=20)
    address = models.CharField(_("详细地址"), max_length=200)
    # Sent to the courier with the order: a repeat of the same order gets the same waybill.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    waybill = models.CharField(_("运单号"), max_length=40, null=True, blank=True, unique=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("下单尝试"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # When the courier took the order (its tracking counts from here).
    ordered_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    # When the next order attempt is due; the tracking sweep re-orders shipments left
    # pending well past it (the broker was down at commit, or the worker was lost).
    next_attempt_at = models.DateTimeField(_("下次下单"), null=True, blank=True)
    polled_at = models.DateTimeField(_("最近查询轨迹"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("快递")
        verbose_name_plural = _("快递")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=("pending", "failed")) | Q(waybill__isnull=False),
                name="shipment_ordered_has_waybill",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.waybill or f"{self.case_id} ({self.get_status_display()})"


class ShipmentEvent(models.Model):
    """One step of a shipment's history (from the courier's tracking or our own)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(_("状态"), max_length=12, choices=ShipmentStatus.choices)
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=EventSource.choices, default=EventSource.SYSTEM
    )
    # The courier's id for the update: a repeat (webhook redelivery, poll) is ignored.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("快递轨迹")
        verbose_name_plural = _("快递轨迹")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} {self.at}"

    @property
    def public_note(self) -> str:
        """What the applicant may read: the courier's own words (tracked or pushed); the notes
        of the system, the window and the admin are for staff (errors, who reordered)."""
        return self.note if self.source in (EventSource.POLL, EventSource.WEBHOOK) else ""


class ShipmentAttempt(models.Model):
    """One try at ordering from the courier, kept for the admin (what the courier said)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    ok = models.BooleanField(_("成功"))
    waybill = models.CharField(_("运单号"), max_length=40, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("下单尝试")
        verbose_name_plural = _("下单尝试")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {'ok' if self.ok else 'error'} {self.at}"
