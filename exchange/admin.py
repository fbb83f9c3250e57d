"""The lookup log in the back office: read only (an accountability record is never edited)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_id_number

from .models import DataLookup


@admin.register(DataLookup)
class DataLookupAdmin(admin.ModelAdmin):
    list_display = ("at", "data_item", "masked_identity", "case", "department", "hall", "outcome")
    list_filter = ("outcome", "data_item", "source")
    search_fields = ("case__number",)
    list_select_related = ("data_item", "case", "department", "hall")
    date_hierarchy = "at"
    exclude = ("identity",)
    readonly_fields = [
        "masked_identity",
        *(f.name for f in DataLookup._meta.fields if f.name not in ("id", "identity")),
    ]

    @admin.display(description=_("证件号码"))
    def masked_identity(self, lookup: DataLookup) -> str:
        return mask_id_number(lookup.identity)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
