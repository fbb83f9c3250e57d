from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_id_number

from .models import LockerItem


@admin.register(LockerItem)
class LockerItemAdmin(admin.ModelAdmin):
    list_display = ("material_type", "masked_identity", "source_case", "hall", "verified_at")
    list_select_related = ("material_type", "source_case", "hall")
    list_filter = ("identity_kind",)
    raw_id_fields = ("source_case", "source_material", "verified_by")

    @admin.display(description=_("证件号码"))
    def masked_identity(self, item: LockerItem) -> str:
        return mask_id_number(item.identity)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
