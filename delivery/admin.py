"""Shipments in the admin: failures stand out, with their errors and a re-order action."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_name, mask_phone

from .exceptions import ShipmentError
from .models import Shipment, ShipmentAttempt, ShipmentEvent, ShipmentStatus
from .services import shipment_reorder


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ShipmentEventInline(ReadOnlyInline):
    model = ShipmentEvent
    fields = readonly_fields = ("at", "status", "note", "source", "external_id", "recorded_at")
    verbose_name_plural = _("快递轨迹")


class ShipmentAttemptInline(ReadOnlyInline):
    model = ShipmentAttempt
    fields = readonly_fields = ("at", "ok", "waybill", "error")
    verbose_name_plural = _("下单尝试")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "case_number",
        "waybill",
        "status",
        "attempts",
        "short_error",
        "masked_receiver",
        "masked_phone",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("waybill", "case__number")
    list_select_related = ("case",)
    fields = (
        "case",
        "status",
        "waybill",
        "idempotency_key",
        "attempts",
        "last_error",
        "ordered_at",
        "next_attempt_at",
        "polled_at",
        "masked_receiver",
        "masked_phone",
        "province",
        "city",
        "district",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (ShipmentAttemptInline, ShipmentEventInline)
    actions = ("reorder",)

    @admin.display(description=_("办件编号"), ordering="case__number")
    def case_number(self, shipment: Shipment) -> str:
        return shipment.case.number

    @admin.display(description=_("最近错误"))
    def short_error(self, shipment: Shipment) -> str:
        error = shipment.last_error or ""
        return error if len(error) <= 60 else error[:59] + "…"

    @admin.display(description=_("收件人"))
    def masked_receiver(self, shipment: Shipment) -> str:
        return mask_name(shipment.receiver)

    @admin.display(description=_("收件电话"))
    def masked_phone(self, shipment: Shipment) -> str:
        return mask_phone(shipment.phone)

    @admin.action(description=_("重新下单"), permissions=["change"])
    def reorder(self, request, queryset):
        done = skipped = 0
        for shipment in queryset.filter(status=ShipmentStatus.FAILED):
            try:
                shipment_reorder(shipment=shipment, by=request.user)
            except ShipmentError:
                skipped += 1
            else:
                done += 1
        skipped += queryset.exclude(status=ShipmentStatus.FAILED).count()
        if done:
            messages.success(request, _("已重新下单：%(n)d 件。") % {"n": done})
        if skipped:
            messages.warning(
                request,
                _("%(n)d 件未重新下单：只有下单失败、尚无运单号的快递可以重新下单。")
                % {"n": skipped},
            )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
