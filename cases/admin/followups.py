"""Follow-ups of bad ratings (差评整改): the department calls back, supervisors decide appeals."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import access, services
from ..exceptions import CaseError
from ..models import (
    Case,
    FollowUp,
    FollowUpOutcome,
)
from .common import (
    ServiceOnlyAdmin,
    department_filter,
    form_errors_message,
    is_department_approver,
    report_error,
    short_date,
)


class FollowUpRecordForm(forms.Form):
    callback_note = forms.CharField(
        label=_("回访记录"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写回访记录。")},
    )
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=FollowUpOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择处理结果。")},
    )


class AppealDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("裁定"),
        choices=[("1", _("申诉成立：该差评为无效评价")), ("0", _("申诉不成立：差评有效"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择裁定结果。")},
    )


class FollowUpStateFilter(admin.SimpleListFilter):
    title = _("进度")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("待处理")), ("appealed", _("申诉待裁定")), ("closed", _("已办结"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True).exclude(outcome=FollowUpOutcome.APPEALED)
        if self.value() == "appealed":
            return queryset.filter(closed_at__isnull=True, outcome=FollowUpOutcome.APPEALED)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(ServiceOnlyAdmin):
    """Follow-ups of bad ratings: the department calls back, supervisors decide appeals."""

    list_display = (
        "case_number",
        "case_title",
        "department_name",
        "score",
        "due",
        "state",
        "outcome",
        "closed_at",
    )
    list_display_links = ("case_number",)
    list_filter = (FollowUpStateFilter, "outcome")
    search_fields = ("rating__case__number",)
    changelist_title = _("差评整改")
    detail_template = "admin/cases/followup/followup_detail.html"

    class Media:
        css = {"all": ("css/review-queue.css",)}

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if access.is_supervisor(user):
            return True
        if obj is None:
            return access.is_approver(user) and user.department_id is not None
        return is_department_approver(user, obj.department_id)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUp]:
        user = request.user
        queryset = FollowUp.objects.select_related(
            "rating", "rating__case", "rating__case__matter", "rating__case__bundle", "department"
        ).annotate(
            queue_rank=SqlCase(
                When(closed_at__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        if access.is_supervisor(user):
            return queryset
        if access.is_approver(user) and user.department_id:
            return queryset.filter(department_id=user.department_id)
        return queryset.none()

    def get_ordering(self, request: HttpRequest):
        return ("queue_rank", "due_date", "id")

    def get_list_filter(self, request: HttpRequest):
        if access.is_supervisor(request.user):
            return (*self.list_filter, department_filter())
        return self.list_filter

    @admin.display(description=_("办件编号"), ordering="rating__case__number")
    def case_number(self, follow_up: FollowUp) -> str:
        return follow_up.rating.case.number

    @admin.display(description=_("事项/一件事"))
    def case_title(self, follow_up: FollowUp) -> str:
        return follow_up.rating.case.title

    @admin.display(description=_("责任部门"), ordering="department__code")
    def department_name(self, follow_up: FollowUp) -> str:
        if follow_up.department is None:
            return _("大厅管理方（窗口服务）")
        return follow_up.department.display_name

    @admin.display(description=_("整改期限"), ordering="due_date")
    def due(self, follow_up: FollowUp) -> str:
        return short_date(follow_up.due_date)

    @admin.display(description=_("评价"), ordering="rating__score")
    def score(self, follow_up: FollowUp) -> str:
        return follow_up.rating.get_score_display()

    @admin.display(description=_("进度"))
    def state(self, follow_up: FollowUp) -> str:
        if follow_up.closed_at is not None:
            return _("已办结")
        if follow_up.outcome == FollowUpOutcome.APPEALED:
            return _("申诉待裁定")
        if follow_up.due_date < timezone.localdate():
            return format_html('<span class="deadline-marker deadline-red">{}</span>', _("已超期"))
        return _("待处理")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        follow_up = self.get_object(request, unquote(object_id))
        if follow_up is None or not self.has_view_permission(request, follow_up):
            raise Http404
        user = request.user
        record_form = FollowUpRecordForm(prefix="record")
        appeal_form = AppealDecisionForm(prefix="appeal")
        if request.method == "POST":
            action = request.POST.get("action", "")
            if action == "record":
                record_form = FollowUpRecordForm(request.POST, prefix="record")
                form, call = (
                    record_form,
                    lambda data: services.follow_up_record(follow_up=follow_up, by=user, **data),
                )
            elif action == "appeal":
                appeal_form = AppealDecisionForm(request.POST, prefix="appeal")
                form, call = (
                    appeal_form,
                    lambda data: services.follow_up_decide_appeal(
                        follow_up=follow_up, by=user, **data
                    ),
                )
            else:
                raise PermissionDenied
            if not form.is_valid():
                form_errors_message(request, form)
            else:
                try:
                    call(form.cleaned_data)
                except (ValidationError, CaseError) as error:
                    report_error(request, error, form)
                else:
                    messages.success(request, _("已保存。"))
                    return HttpResponseRedirect(request.path)
        open_ = follow_up.closed_at is None
        appealed = follow_up.outcome == FollowUpOutcome.APPEALED
        may_record = is_department_approver(user, follow_up.department_id) or (
            access.is_supervisor(user)
        )
        case = follow_up.rating.case
        context = {
            "title": _("差评整改：办件 %(number)s") % {"number": case.number},
            "follow_up": follow_up,
            "case": case,
            "rating": follow_up.rating,
            "state": self.state(follow_up),
            "can_record": open_ and not appealed and may_record,
            "can_decide_appeal": open_ and appealed and access.is_supervisor(user),
            "record_form": record_form,
            "appeal_form": appeal_form,
            "changelist_url": self.changelist_url(request),
            "case_url": reverse("admin:cases_case_change", args=[case.pk])
            if self.admin_site.get_model_admin(Case).has_view_permission(request, case)
            else "",
        }
        return self.render_page(request, self.detail_template, follow_up, context)
