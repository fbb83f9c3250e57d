"""Admin of documents and e-licences: see, regenerate, revoke with a reason."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Document, Licence, LicenceStatus
from .services import document_regenerate, licence_revoke, licence_signature_ok


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "status", "size", "rendered_at", "attempts")
    list_filter = ("kind", "status")
    search_fields = ("case__number",)
    readonly_fields = [f.name for f in Document._meta.fields]
    actions = ["regenerate"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a paper given to the applicant stays on record; regenerate instead

    @admin.action(description=_("重新生成所选文书"))
    def regenerate(self, request, queryset) -> None:
        for document in queryset:
            document_regenerate(document=document, by=request.user)
        self.message_user(request, _("已安排重新生成。"), messages.SUCCESS)


class LicenceRevokeForm(forms.ModelForm):
    revoke_with_reason = forms.CharField(
        label=_("撤销理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("填写理由并保存即撤销该证照（不可恢复）。"),
    )

    class Meta:
        model = Licence
        fields = ()


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    form = LicenceRevokeForm
    list_display = ("number", "licence_type", "holder_name", "status", "valid_until", "issued_on")
    list_filter = ("status", "licence_type")
    search_fields = ("number", "holder_name", "holder_id", "case__number")
    readonly_fields = (
        "licence_type",
        "number",
        "holder_kind",
        "holder_id",
        "holder_name",
        "scope",
        "issued_on",
        "valid_until",
        "issuing_department",
        "case",
        "status",
        "verification_code",
        "signature_key_id",
        "signature_check",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke with a reason instead; a licence stays on record

    @admin.display(description=_("签名校验"))
    def signature_check(self, licence: Licence) -> str:
        return _("通过") if licence_signature_ok(licence) else _("不通过（内容被改动）")

    def save_model(self, request, obj, form, change) -> None:
        reason = form.cleaned_data.get("revoke_with_reason", "")
        if change and reason and obj.status != LicenceStatus.REVOKED:
            licence_revoke(licence=obj, by=request.user, reason=reason)
