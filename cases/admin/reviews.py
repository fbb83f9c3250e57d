"""The review queue and the review page: the case at hand and the forms that call the
review services (decide, special procedures, extension requests)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from .. import access, services
from ..exceptions import CaseError
from ..labels import event_label, role_label
from ..models import (
    Case,
    CaseStatus,
    ExtensionStatus,
    Review,
    ReviewStatus,
    SpecialProcedureKind,
)
from ..selectors import (
    REVIEW_QUEUE_ORDER,
    case_detail_queryset,
    deadline_light_condition,
    material_data_findings,
    review_queue_for_department,
)
from .common import (
    ServiceOnlyAdmin,
    deadline_marker,
    department_filter,
    form_errors_message,
    is_department_approver,
    masked_applicant,
    report_error,
    short_date,
    titled_filter,
    user_name,
)


def _requirement_ref(value: str) -> int | None:
    """A material's requirement id; ``None`` for the power of attorney added to an agent's
    filing (it has no requirement)."""
    return None if value in ("None", "") else int(value)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审查结论"),
        choices=[("approve", _("同意")), ("return", _("退回补正")), ("deny", _("不同意"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审查结论。")},
    )
    opinion = forms.CharField(
        label=_("审查意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写审查意见。")},
    )
    missing = forms.TypedMultipleChoiceField(
        label=_("需补正的材料"),
        coerce=_requirement_ref,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("退回补正时勾选，申请人将收到一次性告知。"),
    )

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = [
            (m.requirement_id, f"{m.material_type.name}（{m.get_status_display()}）")
            for m in materials
        ]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("missing"):
            self.add_error("missing", _("退回补正须勾选需补正的材料。"))
        return data


class SpecialProcedureForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SpecialProcedureKind.choices)
    expected_days = forms.IntegerField(label=_("预计时长（工作日）"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(label=_("延长（工作日）"), min_value=1)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


def _queue_order() -> SqlCase:
    return SqlCase(
        When(status=ReviewStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


class QueuePaginator(Paginator):
    """Pages of the queue in its own order (pending first, then by deadline) without sorting
    the department's every review: the pending reviews (few) and then the decided ones, each
    read in deadline order off the reviews' ``review_department_queue`` index. Any other order
    (a column the user sorted by) pages as usual.

    Reviews are counted up to ``CAP`` only: a department's every review (a supervisor's: the
    city's) grows with the years, and nobody pages through more than 20 pages of them by
    number (filters and the search narrow them). Past the cap the page says "more than 1,000"
    (``capped``), and the page numbers stop there.
    """

    CAP = 1_000

    @cached_property
    def _counted(self) -> int:
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def count(self) -> int:
        return min(self._counted, self.CAP)

    @property
    def capped(self) -> bool:
        return self._counted > self.CAP

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int):
        queryset = self.object_list
        order = queryset.query.order_by
        if not order or order[0] != "queue_rank":
            return queryset[bottom:top]
        rest = order[1:]
        pending = queryset.filter(status=ReviewStatus.PENDING).order_by(*rest)
        waiting = pending.count()
        rows = list(pending[bottom:top]) if bottom < waiting else []
        if len(rows) < top - bottom:
            start = max(0, bottom - waiting)
            decided = queryset.exclude(status=ReviewStatus.PENDING).order_by(*rest)
            rows += list(decided[start : start + top - bottom - len(rows)])
        return rows


class DeadlineLightFilter(admin.SimpleListFilter):
    """Pending reviews by their case's deadline light (the admin index's counts link here)."""

    title = _("时限")
    parameter_name = "light"

    def lookups(self, request, model_admin):
        return [("yellow", _("即将到期")), ("red", _("已超期"))]

    def queryset(self, request, queryset):
        light = self.value()
        if light not in ("yellow", "red"):
            return queryset
        condition = deadline_light_condition(light, timezone.localdate(), "case__")
        return queryset.filter(condition, status=ReviewStatus.PENDING)


@admin.register(Review)
class ReviewAdmin(ServiceOnlyAdmin):
    """The department's review queue: pending first, then by deadline."""

    list_display = (
        "marker",
        "case_number",
        "case_title",
        "applicant",
        "accepted_on",
        "deadline",
        "round",
        "review_status",
    )
    list_display_links = ("case_number",)
    list_filter = (("status", titled_filter(_("本部门结论"))), DeadlineLightFilter)
    search_fields = ("case__number",)
    sortable_by = ("case_number", "accepted_on", "deadline", "round")
    list_per_page = 50
    paginator = QueuePaginator
    # A second count of the department's every review on each page is not worth its cost.
    show_full_result_count = False
    detail_template = "admin/cases/review/review_detail.html"

    class Media:
        css = {"all": ("css/review-queue.css",)}

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if access.is_supervisor(user):
            return True
        if obj is None:
            return access.is_approver(user) and user.department_id is not None
        return is_department_approver(user, obj.department_id)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        user = request.user
        if access.is_supervisor(user):
            queryset = Review.objects.select_related(
                "case", "case__matter", "case__bundle", "department"
            )
        elif access.is_approver(user) and user.department_id:
            queryset = review_queue_for_department(user.department_id, status="")
        else:
            queryset = Review.objects.none()
        return queryset.annotate(queue_rank=_queue_order())

    def get_ordering(self, request: HttpRequest):
        return ("queue_rank", *REVIEW_QUEUE_ORDER)

    def get_list_filter(self, request: HttpRequest):
        if access.is_supervisor(request.user):
            return (*self.list_filter, department_filter())
        return self.list_filter

    def get_list_display(self, request: HttpRequest):
        if access.is_supervisor(request.user):
            return ("marker", "department_name", *self.list_display[1:])
        return self.list_display

    def changelist_view(self, request, extra_context=None):
        department = getattr(request.user, "department", None)
        if access.is_supervisor(request.user) or department is None:
            title = _("审查队列：全部部门")
        else:
            title = _("审查队列：%(department)s") % {"department": department.name}
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    @admin.display(description=_("时限"))
    def marker(self, review: Review) -> str:
        if review.status != ReviewStatus.PENDING:
            return "—"
        return deadline_marker(review.case)

    @admin.display(description=_("办件编号"), ordering="case__number")
    def case_number(self, review: Review) -> str:
        return review.case.number

    @admin.display(description=_("事项/一件事"))
    def case_title(self, review: Review) -> str:
        return review.case.title

    @admin.display(description=_("申请人"))
    def applicant(self, review: Review) -> str:
        return masked_applicant(review.case)

    @admin.display(description=_("受理日期"), ordering="case__accepted_on")
    def accepted_on(self, review: Review) -> str | None:
        return short_date(review.case.accepted_on)

    @admin.display(description=_("办结期限"), ordering="case__deadline")
    def deadline(self, review: Review) -> str | None:
        return short_date(review.case.deadline)

    @admin.display(description=_("部门"), ordering="department__code")
    def department_name(self, review: Review) -> str:
        return review.department.display_name

    @admin.display(description=_("本部门结论"), ordering="status")
    def review_status(self, review: Review) -> str:
        return format_html(
            '<span class="review-status review-{}">{}</span>',
            review.status,
            review.get_status_display(),
        )

    # The review page: the case at hand and the forms that call the services.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, unquote(object_id))
        if review is None or not self.has_view_permission(request, review):
            raise Http404
        case = case_detail_queryset(request.user).filter(pk=review.case_id).first()
        if case is None:
            raise Http404
        materials = list(case.materials.all())
        bound = {}
        if request.method == "POST":
            action = request.POST.get("action", "")
            handler = {
                "decide": self._decide,
                "special_start": self._special_start,
                "special_end": self._special_end,
                "extension": self._extension_request,
            }.get(action)
            if handler is None:
                messages.error(request, _("未知的操作。"))
            else:
                response, form = handler(request, review, case, materials)
                if response is not None:
                    return response
                bound[action] = form
        context = self._page_context(request, review, case, materials, bound)
        return self.render_page(request, self.detail_template, review, context)

    def _decide(self, request, review, case, materials):
        form = DecisionForm(request.POST, prefix="decision", materials=materials)
        if not form.is_valid():
            form_errors_message(request, form)
            return None, form
        decision = form.cleaned_data["decision"]
        try:
            services.review_decide(
                review=review,
                by=request.user,
                decision=decision,
                opinion=form.cleaned_data["opinion"],
                missing=form.cleaned_data["missing"] if decision == "return" else None,
            )
        except (ValidationError, CaseError) as error:
            report_error(request, error, form)
            return None, form
        case.refresh_from_db(fields=["status"])
        messages.success(
            request,
            _("已提交办件 %(number)s 的审查结论：%(decision)s。办件状态：%(status)s。")
            % {
                "number": case.number,
                "decision": dict(form.fields["decision"].choices)[decision],
                "status": case.get_status_display(),
            },
        )
        return HttpResponseRedirect(self.changelist_url(request)), form

    def _special_start(self, request, review, case, materials):
        form = SpecialProcedureForm(request.POST, prefix="special")
        if not form.is_valid():
            form_errors_message(request, form)
            return None, form
        try:
            services.special_procedure_start(case=case, by=request.user, **form.cleaned_data)
        except (ValidationError, CaseError) as error:
            report_error(request, error, form)
            return None, form
        messages.success(request, _("已启动特别程序，期间停止计时；申请人将收到书面告知。"))
        return HttpResponseRedirect(request.path), form

    def _special_end(self, request, review, case, materials):
        procedure = case.special_procedures.filter(pk=request.POST.get("procedure") or 0).first()
        if procedure is None:
            messages.error(request, _("没有找到该特别程序。"))
            return None, None
        try:
            services.special_procedure_end(procedure=procedure, by=request.user)
        except (ValidationError, CaseError) as error:
            report_error(request, error)
            return None, None
        messages.success(request, _("特别程序已结束，恢复计时。"))
        return HttpResponseRedirect(request.path), None

    def _extension_request(self, request, review, case, materials):
        form = ExtensionRequestForm(request.POST, prefix="extension")
        if not form.is_valid():
            form_errors_message(request, form)
            return None, form
        try:
            services.extension_request(case=case, by=request.user, **form.cleaned_data)
        except (ValidationError, CaseError) as error:
            report_error(request, error, form)
            return None, form
        messages.success(request, _("延期申请已提交，等待监察人员批准。"))
        return HttpResponseRedirect(request.path), form

    def _page_context(self, request, review, case, materials, bound) -> dict:
        user = request.user
        names = {m.requirement_id: m.material_type.name for m in materials}
        # 数据共享免提交: the approver sees the snapshot the exchange returned, nothing more.
        findings = material_data_findings(materials)
        reviews = list(case.reviews.all())
        for other in reviews:
            other.missing_names = [names.get(i, str(i)) for i in other.missing]
        procedures = list(case.special_procedures.all())
        extensions = list(case.extensions.all())
        # Reviews are decided, and the clock managed, while the case awaits its conclusion.
        in_review = case.can("conclude", guards=False)
        review_open = can_proceed(review.approve)
        own_department = is_department_approver(user, review.department_id)
        is_lead = is_department_approver(user, case.lead_department_id)
        pending_extension = any(e.status == ExtensionStatus.REQUESTED for e in extensions)
        extension_limit = self._extension_limit(case) if in_review and is_lead else 0
        can_extend = not pending_extension and extension_limit > 0
        return {
            "title": _("审查办件 %(number)s") % {"number": case.number},
            "review": review,
            "case": case,
            "marker": deadline_marker(case),
            "materials": [
                (
                    m,
                    [
                        (f, reverse("cases:material-file", args=[case.number, f.id]))
                        for f in m.files.all()
                    ],
                    findings.get(m.pk),
                )
                for m in materials
            ],
            "reviews": reviews,
            "events": [
                {
                    "event": event,
                    "action": event_label(event),
                    "from": CaseStatus(event.from_status).label if event.from_status else "",
                    "to": CaseStatus(event.to_status).label if event.to_status else "",
                    "actor": user_name(event.actor),
                    "role": role_label(event.actor_role),
                }
                for event in case.events.all()
            ],
            "procedures": procedures,
            "open_procedures": [p for p in procedures if p.ended_on is None],
            "extensions": extensions,
            "trips": len(case.visits.all()),
            "can_decide": in_review and own_department and review_open,
            "in_review": in_review,
            "review_open": review_open,
            "can_special": in_review and own_department and not case.clock_stopped,
            "can_end_special": own_department,
            "can_extend": can_extend,
            "extension_limit": extension_limit,
            "decision_form": bound.get("decide")
            or DecisionForm(prefix="decision", materials=materials),
            "special_form": bound.get("special_start") or SpecialProcedureForm(prefix="special"),
            "extension_form": bound.get("extension") or ExtensionRequestForm(prefix="extension"),
            "case_url": reverse("admin:cases_case_change", args=[case.pk]),
            "changelist_url": self.changelist_url(request),
        }

    @staticmethod
    def _extension_limit(case: Case) -> int:
        matters = [case.matter] if case.matter_id else list(case.bundle.matters.all())
        legal = max((m.legal_extension_days for m in matters), default=0)
        return max(legal - case.extension_days, 0)
