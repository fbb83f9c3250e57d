"""Admin for windows, tickets (read-only, ID numbers masked) and appointment slots."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_id_number, mask_phone
from matters.calendar import is_working_day

from .models import Appointment, Kiosk, Slot, Ticket, TicketEvent, Window


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "hall", "generalist", "status", "clerk"]
    list_filter = ["hall", "status", "generalist"]
    filter_horizontal = ["boards"]
    autocomplete_fields = ["clerk"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "window", "at", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "date",
        "hall",
        "board",
        "status",
        "priority",
        "window",
        "called_at",
    ]
    list_filter = ["date", "hall", "status", "board", "priority"]
    search_fields = ["number"]
    inlines = [TicketEventInline]
    exclude = ["id_number", "phone"]
    readonly_fields = [
        "hall",
        "board",
        "date",
        "sequence",
        "number",
        "status",
        "priority",
        "masked_id_number",
        "masked_phone",
        "window",
        "called_at",
        "served_at",
        "done_at",
        "case",
        "appointment",
        "transferred_from",
    ]

    @admin.display(description=_("证件号码"))
    def masked_id_number(self, obj: Ticket) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("手机号码"))
    def masked_phone(self, obj: Ticket) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SlotForm(forms.ModelForm):
    class Meta:
        model = Slot
        fields = ["hall", "board", "date", "start", "end", "capacity"]

    def clean_date(self):
        # The same rule as windows.services.slot_create: slots only on working days.
        date = self.cleaned_data["date"]
        if not is_working_day(date):
            raise forms.ValidationError(_("预约时段须在工作日（按大厅工作日历）。"))
        return date


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    form = SlotForm
    list_display = ["date", "start", "end", "hall", "board", "capacity"]
    list_filter = ["hall", "board", "date"]
    date_hierarchy = "date"


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["slot", "user", "status", "created_at", "checked_in_at"]
    list_filter = ["status", "slot__board"]
    raw_id_fields = ["slot", "user"]
    readonly_fields = ["created_at", "cancelled_at", "checked_in_at"]


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    """Kiosks are registered from the kiosk itself (/desk/kiosk/); here they are revoked."""

    list_display = ["name", "hall", "active", "registered_by", "registered_at"]
    list_filter = ["hall", "active"]
    readonly_fields = ["registered_by", "registered_at"]
    actions = ["deactivate"]

    @admin.action(description=_("停用所选取号机"))
    def deactivate(self, request, queryset) -> None:
        queryset.update(active=False)
