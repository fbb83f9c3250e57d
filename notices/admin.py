"""The outbox in the admin: failed notices stand out, with a resend action.

Superusers run it (and resend); supervisors may read it, view-only, with every address
masked: they check that people were told, not whom to call.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.roles import SUPERVISOR

from .models import Notice, NoticeAttempt, NoticeStatus, mask_address
from .services import REDACTED_TEXT, SECRET_TEMPLATES, notice_resend


def is_supervisor(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_role(SUPERVISOR)


def masked_error(notice: Notice, error: str) -> str:
    """A gateway's error with the address masked (an SMTP refusal names the recipient)."""
    if notice.address and notice.channel != "inbox":
        return error.replace(notice.address, mask_address(notice.channel, notice.address))
    return error


class NoticeAttemptInline(admin.TabularInline):
    model = NoticeAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "ok", "error")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or is_supervisor(request)

    def get_fields(self, request, obj=None):
        return self.readonly_fields if request.user.is_superuser else ("at", "ok", "masked_error")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("notice")

    @admin.display(description=_("错误"))
    def masked_error(self, attempt: NoticeAttempt) -> str:
        return masked_error(attempt.notice, attempt.error)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "template",
        "masked_address",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "channel", "template")
    search_fields = ("key", "text")
    exclude = ("text",)
    readonly_fields = [
        *(field.name for field in Notice._meta.fields if field.name != "text"),
        "shown_text",
    ]
    # What a supervisor sees: addresses masked, the account by its id only.
    masked_fields = (
        "key",
        "channel",
        "recipient_id",
        "masked_address",
        "template",
        "subject",
        "shown_text",
        "status",
        "attempts",
        "next_attempt_at",
        "masked_last_error",
        "provider_id",
        "created_at",
        "sent_at",
    )
    inlines = (NoticeAttemptInline,)
    actions = ("resend",)
    list_select_related = ("recipient",)

    @admin.display(description=_("地址"))
    def masked_address(self, notice: Notice) -> str:
        return mask_address(notice.channel, notice.address)

    @admin.display(description=_("最近错误"))
    def masked_last_error(self, notice: Notice) -> str:
        return masked_error(notice, notice.last_error)

    @admin.display(description=_("接收人"))
    def recipient_id(self, notice: Notice) -> str:
        return f"#{notice.recipient_id}" if notice.recipient_id else "-"

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or is_supervisor(request)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or is_supervisor(request)

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fields(request, obj)
        return self.masked_fields

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return self.masked_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("resend", None)
        return actions

    @admin.display(description=_("内容"))
    def shown_text(self, notice: Notice) -> str:
        return REDACTED_TEXT if notice.template in SECRET_TEMPLATES else notice.text

    @admin.action(description=_("重新发送所选的失败通知"))
    def resend(self, request, queryset):
        failed = list(queryset.filter(status=NoticeStatus.FAILED))
        for notice in failed:
            notice_resend(notice=notice, by=request.user)
        messages.success(request, _("已重新排入发送队列：%(n)d 条。") % {"n": len(failed)})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
