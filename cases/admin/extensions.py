"""Extension requests (延期), decided by supervisors with the grant / refuse actions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access, services
from ..exceptions import CaseError
from ..models import (
    Extension,
    ExtensionStatus,
)
from .common import (
    ServiceOnlyAdmin,
    is_department_approver,
    report_error,
    short_date,
    titled_filter,
    user_name,
)


class ExtensionActionForm(ActionForm):
    note = forms.CharField(
        label=_("批示意见"),
        required=False,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("批示意见（不批准时必填）")}),
    )


@admin.register(Extension)
class ExtensionAdmin(ServiceOnlyAdmin):
    """Requested extensions, decided by supervisors with the grant / refuse actions."""

    list_display = (
        "case_number",
        "case_title",
        "lead_department",
        "days",
        "reason",
        "extension_status",
        "requested_by_name",
        "requested_at",
        "case_deadline",
        "note",
    )
    list_display_links = ("case_number",)
    list_filter = (("status", titled_filter(_("状态"))),)
    search_fields = ("case__number",)
    action_form = ExtensionActionForm
    actions = ("grant", "refuse")
    changelist_title = _("延期申请")
    fields = (
        "case",
        "days",
        "reason",
        "extension_status",
        "requested_by_name",
        "requested_at",
        "decided_by_name",
        "note",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ("css/review-queue.css",)}

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if access.is_supervisor(user):
            return True
        if obj is None:
            return access.is_approver(user) and user.department_id is not None
        return is_department_approver(user, obj.case.lead_department_id)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Extension]:
        user = request.user
        queryset = Extension.objects.select_related(
            "case",
            "case__matter",
            "case__bundle",
            "case__lead_department",
            "requested_by",
            "decided_by",
        ).annotate(
            queue_rank=SqlCase(
                When(status=ExtensionStatus.REQUESTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        if access.is_supervisor(user):
            return queryset
        if access.is_approver(user) and user.department_id:
            return queryset.filter(case__lead_department_id=user.department_id)
        return queryset.none()

    def get_ordering(self, request: HttpRequest):
        return ("queue_rank", "-created_at", "-id")

    def get_actions(self, request: HttpRequest):
        if not access.is_supervisor(request.user):
            return {}
        return super().get_actions(request)

    @admin.display(description=_("办件编号"), ordering="case__number")
    def case_number(self, extension: Extension) -> str:
        return extension.case.number

    @admin.display(description=_("事项/一件事"))
    def case_title(self, extension: Extension) -> str:
        return extension.case.title

    @admin.display(description=_("主办部门"))
    def lead_department(self, extension: Extension) -> str:
        return extension.case.lead_department.display_name

    @admin.display(description=_("申请人员"))
    def requested_by_name(self, extension: Extension) -> str:
        return user_name(extension.requested_by)

    @admin.display(description=_("当前办结期限"), ordering="case__deadline")
    def case_deadline(self, extension: Extension) -> str | None:
        return short_date(extension.case.deadline)

    @admin.display(description=_("状态"), ordering="status")
    def extension_status(self, extension: Extension) -> str:
        return extension.get_status_display()

    @admin.display(description=_("申请时间"), ordering="created_at")
    def requested_at(self, extension: Extension) -> str:
        return f"{timezone.localtime(extension.created_at):%Y-%m-%d %H:%M}"

    @admin.display(description=_("批示人"))
    def decided_by_name(self, extension: Extension) -> str:
        return user_name(extension.decided_by) or "—"

    @admin.display(description=_("批示意见"))
    def note(self, extension: Extension) -> str:
        return extension.decision_note or "—"

    def _decide(self, request: HttpRequest, queryset: QuerySet[Extension], *, grant: bool):
        note = (request.POST.get("note") or "").strip()
        if not grant and not note:
            messages.error(request, _("不批准延期须填写批示意见。"))
            return
        decided = 0
        for extension in queryset:
            try:
                services.extension_decide(
                    extension=extension, by=request.user, grant=grant, note=note
                )
            except (ValidationError, CaseError) as error:
                report_error(request, error)
                messages.error(request, _("办件 %(n)s 未处理。") % {"n": extension.case.number})
            else:
                decided += 1
        if decided:
            messages.success(
                request,
                (_("已批准 %(n)d 项延期申请。") if grant else _("已不批准 %(n)d 项延期申请。"))
                % {"n": decided},
            )

    @admin.action(description=_("批准所选延期申请"))
    def grant(self, request: HttpRequest, queryset: QuerySet[Extension]) -> None:
        self._decide(request, queryset, grant=True)

    @admin.action(description=_("不批准所选延期申请"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[Extension]) -> None:
        self._decide(request, queryset, grant=False)
