"""Payments in the admin: read-only (a payment changes only through its services)."""

from django.contrib import admin

from .models import Payment, StrayCharge


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "case", "amount", "status", "method", "paid_at", "refunded_at")
    list_filter = ("status", "method")
    search_fields = ("reference", "case__number", "order_id", "counter_receipt")
    list_select_related = ("case",)
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StrayCharge)
class StrayChargeAdmin(admin.ModelAdmin):
    list_display = ("order_id", "payment", "amount", "created_at", "refund_sent_at")
    search_fields = ("order_id", "payment__reference", "payment__case__number")
    list_select_related = ("payment__case",)
    readonly_fields = [field.name for field in StrayCharge._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
