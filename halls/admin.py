from django.contrib import admin

from .models import Hall


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "level",
        "parent",
        "phone",
        "has_windows",
        "has_queue",
        "active",
    ]
    list_filter = ["level", "active", "has_queue"]
    search_fields = ["name", "code", "address"]
    filter_horizontal = ["boards"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
