"""The outbox in the admin: failed notices stand out, with a resend action."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_phone

from .models import Notice, NoticeAttempt, NoticeStatus
from .services import REDACTED_TEXT, SECRET_TEMPLATES, notice_resend


class NoticeAttemptInline(admin.TabularInline):
    model = NoticeAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "ok", "error")

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
    inlines = (NoticeAttemptInline,)
    actions = ("resend",)
    list_select_related = ("recipient",)

    @admin.display(description=_("地址"))
    def masked_address(self, notice: Notice) -> str:
        return mask_phone(notice.address) if notice.channel == "sms" else notice.address

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
