"""Admin for users and departments. Staff accounts are made here, by administrators only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .identity import mask_id_number, mask_phone
from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "parent", "phone")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "name",
        "identity_kind",
        "masked_identity",
        "masked_phone",
        "department",
        "is_staff",
        "is_active",
    )
    list_filter = ("is_staff", "is_active", "identity_kind", "groups", "department")
    list_select_related = ("department",)
    search_fields = ("username", "name", "id_number", "credit_code", "phone")
    autocomplete_fields = ("department",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("身份信息"), {"fields": ("name", "identity_kind", "id_number", "credit_code", "phone")}),
        (_("部门与角色"), {"fields": ("department", "groups", "is_active", "is_staff")}),
        (_("权限"), {"classes": ("collapse",), "fields": ("is_superuser", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "department", "groups", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("证件号码"))
    def masked_identity(self, user: User) -> str:
        return mask_id_number(user.identity_number)

    @admin.display(description=_("手机号码"))
    def masked_phone(self, user: User) -> str:
        return mask_phone(user.phone)

    def save_model(self, request, obj, form, change):
        # Everyone made in the admin is staff unless marked otherwise by hand.
        if not change:
            obj.is_staff = True
        super().save_model(request, obj, form, change)
