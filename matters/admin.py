"""Admin for the catalog: matters with their steps and materials, bundles, the calendar.

A matter's status changes only through the publish and retire actions, which run the guide
checks; editing a published matter keeps it published only if it still passes them. Matters,
their materials, material types and bundles keep their history (old and new values, who and
when: the "历史" button), and each published version of a guide is kept as it was.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .calendar import missing_years
from .exceptions import GuideError
from .models import (
    Board,
    Bundle,
    BundleItem,
    CalendarDay,
    CalendarYear,
    DataItem,
    LicenceType,
    MaterialType,
    Matter,
    MatterVersion,
    ProcessStep,
    Question,
    QuestionOption,
    Requirement,
)
from .services import bundle_publish, matter_publish, matter_retire, matter_revise


class CatalogHistoryAdmin(SimpleHistoryAdmin):
    """History to read, not to revert: a revert would save old values past the guide checks
    and the kept versions, so the catalog changes only through its own forms and actions."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("历史记录只可查看，不能据此恢复。"))
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "issuing_department", "valid_years")
    search_fields = ("code", "name")
    list_select_related = ("issuing_department",)
    autocomplete_fields = ("issuing_department",)


@admin.register(DataItem)
class DataItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department", "active")
    list_filter = ("active", "department")
    search_fields = ("code", "name")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "letter", "order")
    list_editable = ("order",)
    search_fields = ("code", "name")


@admin.register(MaterialType)
class MaterialTypeAdmin(CatalogHistoryAdmin):
    list_display = ("code", "name", "licence_type", "data_item", "locker_valid_days")
    search_fields = ("code", "name")
    list_filter = ("licence_type", "data_item")
    list_select_related = ("licence_type", "data_item")
    autocomplete_fields = ("licence_type", "data_item")


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0
    fields = ("order", "name", "description", "days")


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    autocomplete_fields = ("material",)
    fields = (
        "order",
        "material",
        "key",
        "required",
        "condition",
        "form",
        "copies",
        "deferrable",
        "provided_by",
        "selected_by",
        "notes",
        "blank_form",
        "sample",
    )

    def get_formset(self, request, obj=None, **kwargs):
        # The options that may select a material: this matter's own (情形引导).
        self.matter = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "selected_by":
            matter = getattr(self, "matter", None)
            kwargs["queryset"] = (
                QuestionOption.objects.filter(question__matter=matter)
                .select_related("question")
                .order_by("question__order", "order")
                if matter is not None and matter.pk
                else QuestionOption.objects.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class QuestionInline(admin.TabularInline):
    """情形引导: the matter's questions; their options are edited on the question's page."""

    model = Question
    extra = 0
    fields = ("order", "code", "text", "help", "options_link")
    readonly_fields = ("options_link",)

    @admin.display(description=_("选项"))
    def options_link(self, obj: Question) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:matters_question_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("编辑选项"))


class QuestionOptionInline(admin.TabularInline):
    model = QuestionOption
    extra = 0
    fields = ("order", "value", "label", "rules_out", "ruled_out_reason", "instead")


def _report_guide_errors(request: HttpRequest, name: str, error: GuideError) -> None:
    messages.error(
        request,
        _("“%(name)s”未通过发布检查：%(problems)s") % {"name": name, "problems": error.detail},
    )


class MatterVersionInline(admin.TabularInline):
    """The kept versions of the guide: read-only, each linking to its page."""

    model = MatterVersion
    extra = 0
    can_delete = False
    fields = ("version", "effective_date", "published_at", "published_by", "page")
    readonly_fields = fields

    @admin.display(description=_("指南页面"))
    def page(self, obj: MatterVersion) -> str:
        url = reverse("matters:matter-version", args=[obj.matter.code, obj.version])
        return format_html('<a href="{}">{}</a>', url, _("查看"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Matter)
class MatterAdmin(CatalogHistoryAdmin):
    list_display = (
        "code",
        "name",
        "board",
        "lead_department",
        "handling_type",
        "committed_days",
        "legal_days",
        "max_trips",
        "online_level",
        "status",
        "version",
    )
    list_filter = (
        "status",
        "board",
        "handling_type",
        "kind",
        "online_level",
        "max_trips",
        "intake_scope",
        "lead_department",
    )
    list_select_related = ("board", "lead_department")
    search_fields = ("code", "name", "pinyin_initials")
    readonly_fields = ("status", "version", "pinyin_initials", "updated_at")
    autocomplete_fields = ("board", "lead_department", "result_licence_type")
    filter_horizontal = ("reviewing_departments", "intake_halls")
    inlines = (ProcessStepInline, QuestionInline, RequirementInline, MatterVersionInline)
    actions = ("publish", "retire")
    fieldsets = (
        (
            _("基本信息"),
            {
                "fields": (
                    "code",
                    "name",
                    "kind",
                    "board",
                    "lead_department",
                    "reviewing_departments",
                )
            },
        ),
        (
            _("办理时限与方式"),
            {
                "fields": (
                    "handling_type",
                    "legal_days",
                    "committed_days",
                    "legal_extension_days",
                    "max_trips",
                    "trips_exception_reason",
                    "online_level",
                    "delivery_methods",
                )
            },
        ),
        (
            _("受理网点"),
            {
                "description": _(
                    "全市通办：所有网点均可受理；就近办：所选层级及以上的网点可受理；"
                    "仅限指定网点：只有下列网点可受理。办理地点说明为补充文字（如窗口位置），"
                    "显示在网点列表之后。"
                ),
                "fields": ("intake_scope", "intake_min_level", "intake_halls", "places"),
            },
        ),
        (
            _("办事指南"),
            {
                "fields": (
                    "conditions",
                    "legal_basis",
                    "deferral_scope",
                    "fee",
                    "fee_basis",
                    "consultation_phone",
                    "result_name",
                    "result_licence_type",
                    "keywords",
                )
            },
        ),
        (
            _("发布"),
            {"fields": ("status", "version", "effective_date", "usage_count", "updated_at")},
        ),
    )

    @admin.action(description=_("发布所选事项（运行指南检查）"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Matter]) -> None:
        published = 0
        for matter in queryset:
            try:
                matter_publish(matter=matter, by=request.user)
            except GuideError as error:
                _report_guide_errors(request, matter.name, error)
            else:
                published += 1
        if published:
            messages.success(request, _("已发布 %(n)d 个事项。") % {"n": published})

    @admin.action(description=_("废止所选事项"))
    def retire(self, request: HttpRequest, queryset: QuerySet[Matter]) -> None:
        for matter in queryset:
            matter_retire(matter=matter, by=request.user)
        messages.success(request, _("已废止 %(n)d 个事项。") % {"n": queryset.count()})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        problems = matter_revise(matter=form.instance, by=request.user)
        if problems:
            _report_guide_errors(request, form.instance.name, GuideError(problems))
            messages.warning(request, _("该事项已退回草稿，请修改后重新发布。"))


@admin.register(Question)
class QuestionAdmin(CatalogHistoryAdmin):
    """A question of a matter with its options; saving re-checks the matter's guide."""

    list_display = ("matter", "code", "text", "order")
    list_select_related = ("matter",)
    search_fields = ("matter__code", "matter__name", "code", "text")
    autocomplete_fields = ("matter",)
    inlines = (QuestionOptionInline,)

    def get_readonly_fields(self, request, obj=None):
        # A question stays with its matter: moving it would change two guides at once.
        return ("matter",) if obj is not None and obj.pk else ()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._revise(request, form.instance.matter)

    def delete_model(self, request, obj):
        # The question's options go with it, and the materials they selected then apply
        # to everyone: the guide is re-checked (a new version, or back to draft).
        matter = obj.matter
        super().delete_model(request, obj)
        self._revise(request, matter)

    def delete_queryset(self, request, queryset):
        matters = list(Matter.objects.filter(questions__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for matter in matters:
            self._revise(request, matter)

    def _revise(self, request, matter: Matter) -> None:
        problems = matter_revise(matter=matter, by=request.user)
        if problems:
            _report_guide_errors(request, matter.name, GuideError(problems))
            messages.warning(request, _("该事项已退回草稿，请修改后重新发布。"))


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 0
    autocomplete_fields = ("matter",)


@admin.register(Requirement)
class RequirementAdmin(CatalogHistoryAdmin):
    """Materials are edited on their matter's page; here their history can be read."""

    list_display = ("matter", "material", "key", "required", "deferrable", "copies", "form")
    list_filter = ("key", "deferrable", "form")
    list_select_related = ("matter", "material")
    search_fields = ("matter__code", "matter__name", "material__name")
    autocomplete_fields = ("matter", "material")


@admin.register(Bundle)
class BundleAdmin(CatalogHistoryAdmin):
    list_display = ("code", "name", "status")
    list_filter = ("status",)
    search_fields = ("code", "name")
    readonly_fields = ("status",)
    inlines = (BundleItemInline,)
    actions = ("publish",)

    @admin.action(description=_("发布所选“一件事”"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Bundle]) -> None:
        for bundle in queryset:
            try:
                bundle_publish(bundle=bundle, by=request.user)
            except GuideError as error:
                _report_guide_errors(request, bundle.name, error)
            else:
                messages.success(request, _("已发布“%(name)s”。") % {"name": bundle.name})


def warn_missing_calendar(request: HttpRequest) -> None:
    """Warn while this year's or next year's holidays have not been entered."""
    this_year = timezone.localdate().year
    for year in missing_years([this_year, this_year + 1]):
        messages.warning(
            request,
            _(
                "%(year)d年的节假日和调休安排尚未录入：该年的时限暂按周末休息计算。"
                "请在“工作日历调整”中录入后，在“日历年份”中标记该年已完整录入。"
            )
            % {"year": year},
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar(request)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "complete", "source")

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar(request)
        return super().changelist_view(request, extra_context)
