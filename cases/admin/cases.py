"""Cases read-only: searchable by number, with materials, reviews, events and visits."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.identity import mask_id_number, mask_name, mask_phone

from .. import access
from ..labels import event_label, role_label
from ..models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseStatus,
    Review,
    Visit,
)
from ..selectors import case_list_for_user
from .common import (
    ReadOnlyInline,
    ServiceOnlyAdmin,
    deadline_marker,
    masked_applicant,
    short_date,
    user_name,
)


class CaseMaterialInline(ReadOnlyInline):
    model = CaseMaterial
    fields = ("material", "key", "required", "status", "due_date", "reason", "file_links")
    readonly_fields = fields
    verbose_name_plural = _("材料")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("material_type", "case")
            .prefetch_related("files")
        )

    @admin.display(description=_("材料"))
    def material(self, material: CaseMaterial) -> str:
        return material.material_type.name

    @admin.display(description=_("文件"))
    def file_links(self, material: CaseMaterial) -> str:
        links = [
            (reverse("cases:material-file", args=[material.case.number, f.id]), f.original_name)
            for f in material.files.all()
        ]
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links) or "—"


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ("department_name", "review_status", "round", "opinion", "decided", "review_link")
    readonly_fields = fields
    verbose_name_plural = _("部门审查")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department", "decided_by")

    @admin.display(description=_("部门"))
    def department_name(self, review: Review) -> str:
        return review.department.name

    @admin.display(description=_("结论"))
    def review_status(self, review: Review) -> str:
        return review.get_status_display()

    @admin.display(description=_("审查人/时间"))
    def decided(self, review: Review) -> str:
        if review.decided_at is None:
            return "—"
        return (
            f"{user_name(review.decided_by)} {timezone.localtime(review.decided_at):%Y-%m-%d %H:%M}"
        )

    @admin.display(description="")
    def review_link(self, review: Review) -> str:
        url = reverse("admin:cases_review_change", args=[review.pk])
        return format_html('<a href="{}">{}</a>', url, _("审查页"))


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("time", "action_label", "transition", "actor_name", "note", "internal_note")
    readonly_fields = fields
    verbose_name_plural = _("办件记录")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("时间"))
    def time(self, event: CaseEvent) -> str:
        return f"{timezone.localtime(event.at):%Y-%m-%d %H:%M}"

    @admin.display(description=_("动作"))
    def action_label(self, event: CaseEvent) -> str:
        return event_label(event)

    @admin.display(description=_("状态变化"))
    def transition(self, event: CaseEvent) -> str:
        if not event.to_status:
            return ""
        before = CaseStatus(event.from_status).label if event.from_status else ""
        return f"{before} → {CaseStatus(event.to_status).label}"

    @admin.display(description=_("经办"))
    def actor_name(self, event: CaseEvent) -> str:
        role = role_label(event.actor_role)
        name = user_name(event.actor)
        if event.actor_role == roles.CITIZEN:
            # The applicant (or their agent) is masked here as everywhere in the admin.
            name = mask_name(name)
        return f"{role} {name}".strip()

    @admin.display(description=_("内部"))
    def internal_note(self, event: CaseEvent) -> str:
        return _("内部") if event.internal else ""


class VisitInline(ReadOnlyInline):
    model = Visit
    fields = ("date", "kind", "clerk_name")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("clerk")

    @admin.display(description=_("窗口人员"))
    def clerk_name(self, visit: Visit) -> str:
        return user_name(visit.clerk)


@admin.register(Case)
class CaseAdmin(ServiceOnlyAdmin):
    """Cases as they are: searchable by number, never changed here."""

    list_display = (
        "number",
        "status",
        "marker",
        "title",
        "applicant",
        "lead",
        "accepted",
        "deadline_date",
        "trips",
    )
    list_filter = ("status", "channel")
    search_fields = ("number",)
    search_help_text = _("按办件编号查找")
    changelist_title = _("办件查询")
    list_select_related = ("matter", "bundle", "lead_department")
    inlines = (CaseMaterialInline, ReviewInline, CaseEventInline, VisitInline)
    fieldsets = (
        (None, {"fields": ("number", "status", "title", "lead_department", "channel")}),
        (
            _("申请人"),
            {"fields": ("applicant", "applicant_phone_masked", "agent", "delivery_method")},
        ),
        (
            _("时限"),
            {
                "fields": (
                    "marker",
                    "accepted_on",
                    "deadline",
                    "warning_on",
                    "committed_days",
                    "extension_days",
                    "stopped_days",
                    "clock_stopped_on",
                )
            },
        ),
        (_("结果"), {"fields": ("decided_at", "decision_note", "closed_at", "trips")}),
    )
    readonly_fields = (
        "title",
        "applicant",
        "applicant_phone_masked",
        "agent",
        "marker",
        "trips",
    )

    class Media:
        css = {"all": ("css/review-queue.css",)}

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if access.is_supervisor(user):
            return True
        if not (access.is_approver(user) and user.department_id):
            return False
        return obj is None or access.can_view(user, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        if not self.has_view_permission(request):
            return Case.objects.none()
        return case_list_for_user(request.user)

    @admin.display(description=_("事项/一件事"))
    def title(self, case: Case) -> str:
        return case.title

    @admin.display(description=_("主办部门"), ordering="lead_department__code")
    def lead(self, case: Case) -> str:
        return case.lead_department.display_name

    @admin.display(description=_("受理日期"), ordering="accepted_on")
    def accepted(self, case: Case) -> str | None:
        return short_date(case.accepted_on)

    @admin.display(description=_("办结期限"), ordering="deadline")
    def deadline_date(self, case: Case) -> str | None:
        return short_date(case.deadline)

    @admin.display(description=_("申请人"))
    def applicant(self, case: Case) -> str:
        return masked_applicant(case)

    @admin.display(description=_("联系电话"))
    def applicant_phone_masked(self, case: Case) -> str:
        return mask_phone(case.applicant_phone)

    @admin.display(description=_("代办人"))
    def agent(self, case: Case) -> str:
        if not case.agent_name:
            return "—"
        return f"{mask_name(case.agent_name)} {mask_id_number(case.agent_id_number)}"

    @admin.display(description=_("时限"))
    def marker(self, case: Case) -> str:
        if case.status != CaseStatus.IN_REVIEW:
            return "—"
        return deadline_marker(case)

    @admin.display(description=_("跑动次数"), ordering="trips")
    def trips(self, case: Case) -> int:
        if hasattr(case, "trips"):
            return case.trips
        return case.visits.count()
