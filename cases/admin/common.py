"""What the case admin pages share: deadline lights, labels, read-only bases, error display."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.identity import mask_id_number, mask_name

from .. import access, services
from ..models import Case
from ..services.deadlines import GREEN, RED, YELLOW

MARKERS = {
    GREEN: (_("正常"), _("办理时限用去不到八成")),
    YELLOW: (_("即将到期"), _("办理时限已用去八成")),
    RED: (_("已超期"), _("已超过办结期限")),
}


def deadline_marker(case: Case, today=None) -> str:
    """The case's green / yellow / red light, or 已停止计时, as text and colour."""
    if case.clock_stopped:
        return format_html(
            '<span class="deadline-marker deadline-stopped" title="{}">{}</span>',
            _("补正或特别程序期间不计入办理时限"),
            _("已停止计时"),
        )
    colour = services.deadline_colour(
        case.deadline, case.warning_on, today or timezone.localdate(), stopped=False
    )
    if colour is None:
        return "—"
    label, title = MARKERS[colour]
    return format_html(
        '<span class="deadline-marker deadline-{}" title="{}">{}</span>', colour, title, label
    )


def user_name(user) -> str:
    return (user.name or user.username) if user else ""


def titled_filter(title, base=admin.ChoicesFieldListFilter) -> type[admin.FieldListFilter]:
    """A field filter with a title of its own (for fields without a verbose name)."""

    class Filter(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Filter


def department_filter() -> tuple[str, type[admin.FieldListFilter]]:
    return ("department", titled_filter(_("部门"), admin.RelatedFieldListFilter))


def short_date(value) -> str | None:
    return value.isoformat() if value else None


def masked_applicant(case: Case) -> str:
    return format_html(
        '{}<br><span class="masked-id">{}</span>',
        mask_name(case.applicant_name),
        mask_id_number(case.applicant_identity),
    )


def is_department_approver(user, department_id: int | None) -> bool:
    return (
        access.is_approver(user)
        and user.department_id is not None
        and user.department_id == department_id
    )


def report_error(request: HttpRequest, error: Exception, form: forms.Form | None = None) -> None:
    """Show a service's refusal as an admin message and, where it names a field, on the form."""
    if isinstance(error, ValidationError):
        if form is not None and hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        text = "；".join(error.messages)
    else:
        text = getattr(error, "detail", None) or str(error)
    messages.error(request, text)


def form_errors_message(request: HttpRequest, form: forms.Form) -> None:
    texts = [str(e) for errors in form.errors.values() for e in errors]
    messages.error(request, _("未能提交：%(errors)s") % {"errors": "；".join(texts)})


class ServiceOnlyAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: changes go through services only.

    Subclasses say who may view (``has_view_permission``) by role; the module shows for them.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    changelist_title = None

    def changelist_view(self, request, extra_context=None):
        if self.changelist_title:
            extra_context = {"title": self.changelist_title, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def render_page(self, request: HttpRequest, template: str, obj, context: dict):
        opts = self.model._meta
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": opts,
                "original": obj,
                "has_view_permission": True,
                "preserved_filters": self.get_preserved_filters(request),
                "media": self.media,
                **context,
            },
        )

    def changelist_url(self, request: HttpRequest) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": opts}, url
        )


class ReadOnlyInline(admin.TabularInline):
    """An inline on a read-only page: visible whenever its parent is."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
