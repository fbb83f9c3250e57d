"""The citizen's catalog pages: the matter list with search and filters, the guide
(办事指南) of one matter, and the bundles (一件事) with their merged checklists."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from . import selectors
from .checklist import answers_from, evaluate, options_of, questions_of
from .exceptions import InvalidAnswerError
from .models import (
    Board,
    Bundle,
    CatalogStatus,
    DeliveryMethod,
    IntakeScope,
    MaterialForm,
    Matter,
    MatterVersion,
    OnlineLevel,
)
from .versions import guide_from_snapshot

MATTERS_PER_PAGE = 20


class MatterFilterForm(forms.Form):
    """The list page's search and filters; a bad value is reported and that filter ignored."""

    q = forms.CharField(
        label=_("关键词"),
        max_length=50,
        required=False,
        help_text=_("可输入事项名称、事项编码或名称拼音首字母，如 bdc"),
        error_messages={"max_length": _("关键词最多%(limit_value)d个字，已忽略该关键词。")},
    )
    board = forms.ChoiceField(
        label=_("板块"),
        required=False,
        error_messages={"invalid_choice": _("没有编码为“%(value)s”的板块，已忽略板块条件。")},
    )
    department = forms.ChoiceField(
        label=_("主办部门"),
        required=False,
        error_messages={"invalid_choice": _("没有编码为“%(value)s”的部门，已忽略部门条件。")},
    )
    online_level = forms.TypedChoiceField(
        label=_("网上办理深度"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("不限")), *OnlineLevel.choices],
        error_messages={
            "invalid_choice": _("网上办理深度“%(value)s”无效，应为1至5星，已忽略该条件。")
        },
    )
    max_trips = forms.TypedChoiceField(
        label=_("跑动次数"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("不限")),
            ("0", _("跑零次")),
            ("1", _("最多跑一次")),
            ("2", _("跑多次（例外事项）")),
        ],
        error_messages={
            "invalid_choice": _("跑动次数“%(value)s”无效，应为0、1或2，已忽略该条件。")
        },
    )

    def __init__(self, *args, boards, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [("", _("全部板块")), *((b.code, b.name) for b in boards)]
        self.fields["department"].choices = [("", _("全部部门"))] + [
            (d.code, d.name) for d in departments
        ]
        # The filters stand apart from the search box (after the results on a phone) and
        # still submit with it.
        for name, field in self.fields.items():
            if name != "q":
                field.widget.attrs["form"] = "matter-search"


def matter_list(request: HttpRequest) -> HttpResponse:
    """Published matters, searched and filtered, 20 a page (four queries whatever the size)."""
    boards = list(Board.objects.order_by("order", "code"))
    departments = list(selectors.departments_with_published_matters())
    form = MatterFilterForm(request.GET, boards=boards, departments=departments)
    form.is_valid()
    # Only the values that passed validation filter the list; the others are reported.
    filters = {
        name: form.cleaned_data.get(name)
        for name in ("board", "department", "online_level", "max_trips")
    }
    queryset = selectors.matter_list(
        search=form.cleaned_data.get("q") or "",
        board=filters["board"] or "",
        department=filters["department"] or "",
        online_level=filters["online_level"],
        max_trips=filters["max_trips"],
    )
    paginator = Paginator(queryset, MATTERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    page_links = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    filter_errors = [error for errors in form.errors.values() for error in errors]
    active = any(value not in (None, "") for value in filters.values()) or bool(
        form.cleaned_data.get("q")
    )
    return render(
        request,
        "matters/matter_list.html",
        {
            "form": form,
            "page": page,
            "page_links": page_links,
            "ellipsis": paginator.ELLIPSIS,
            "matters": page.object_list,
            "filter_errors": filter_errors,
            "filtered": active,
            "search": form.cleaned_data.get("q") or "",
        },
    )


def _delivery_labels(matter) -> list[str]:
    return [
        DeliveryMethod(method).label
        for method in matter.delivery_methods or []
        if method in DeliveryMethod.values
    ]


def _intake_places(scope: str, min_level: str, named: set) -> list:
    """The active halls that may take the matter in, each with its hours as people read
    them (the halls app's rule, read once: no query per hall)."""
    from halls.availability import halls_taking_in
    from halls.hours import describe_hours
    from halls.selectors import active_halls

    places = halls_taking_in(scope, min_level, named, active_halls())
    for hall in places:
        hall.hour_lines = describe_hours(hall.hours)
    return places


def _questionnaire(matter, answers: dict[str, str], unanswered=()) -> list[dict]:
    """The guide's questions as a form: each with its options, the answer chosen and
    whether it is still to answer."""
    missing = {question.code for question in unanswered}
    return [
        {
            "question": question,
            "options": options_of(question),
            "chosen": answers.get(question.code, ""),
            "missing": question.code in missing,
        }
        for question in questions_of(matter)
    ]


def matter_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A published matter's guide; drafts and retired matters are not found."""
    matter = get_object_or_404(selectors.matter_detail_queryset(), code=code)
    requirements = list(matter.requirements.all())
    delivery = _delivery_labels(matter)
    bundles = list(Bundle.published.filter(items__matter=matter).order_by("code"))
    return render(
        request,
        "matters/matter_detail.html",
        {
            "matter": matter,
            "requirements": requirements,
            "has_deferrable": any(r.deferrable for r in requirements),
            "steps": list(matter.steps.all()),
            "reviewing_departments": list(matter.reviewing_departments.all()),
            "delivery_methods": delivery,
            "bundles": bundles,
            "questionnaire": _questionnaire(matter, {}),
            "intake_places": _intake_places(
                matter.intake_scope,
                matter.intake_min_level,
                # Read only when only named halls may take it in.
                {hall.pk for hall in matter.intake_halls.all()}
                if matter.intake_scope == IntakeScope.NAMED
                else set(),
            ),
        },
    )


def _applied_rows(result) -> list:
    """The requirements that apply, each as it is for this applicant: one their answers
    selected is required of them (``selected``: the table says why)."""
    if result is None:
        return []
    rows = []
    for applied in result.requirements:
        requirement = applied.requirement
        requirement.required = applied.required
        requirement.selected = applied.conditional
        rows.append(requirement)
    return rows


def matter_checklist(request: HttpRequest, code: str) -> HttpResponse:
    """情形引导: the guide's questionnaire answered (a plain GET form,
    ``?<question>=<value>…``) → the applicant's own checklist, printable, with the link to
    apply carrying the answers. Unanswered questions are asked again; an unknown answer is
    a 400 with the questionnaire; an answer that rules the applicant out says why and what
    to do instead."""
    matter = get_object_or_404(
        selectors.matter_checklist_queryset(Matter.published.select_related("board")), code=code
    )
    questions = questions_of(matter)
    answers = answers_from(request.GET, questions)
    status, error, result = 200, "", None
    try:
        # Other parameters (a language switch, a tracking tag) are not answers: ignored.
        result = evaluate(matter, answers)
    except InvalidAnswerError as exc:
        status, error = 400, exc.detail
    apply_url = ""
    if result is not None and result.complete and result.eligible and matter.online_level >= 3:
        apply_url = (
            f"{reverse('cases:apply-matter', args=[matter.code])}?{urlencode(result.query())}"
        )
    return render(
        request,
        "matters/checklist.html",
        {
            "matter": matter,
            "result": result,
            "error": error,
            "questionnaire": _questionnaire(
                matter, answers, result.unanswered if result is not None else ()
            ),
            "requirements": _applied_rows(result),
            "applied": result.requirements if result is not None else [],
            "apply_url": apply_url,
            "today": timezone.localdate(),
        },
        status=status,
    )


def matter_version(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """A kept version of a matter's guide, as it was published (the guide a case was filed
    under); also for a matter since retired."""
    kept = get_object_or_404(
        MatterVersion.objects.select_related("matter"), matter__code=code, version=version
    )
    context = guide_from_snapshot(
        kept.guide, version=kept.version, effective_date=kept.effective_date
    )
    current = kept.matter if kept.matter.status == CatalogStatus.PUBLISHED else None
    return render(
        request,
        "matters/matter_detail.html",
        {
            **context,
            "has_deferrable": any(r.deferrable for r in context["requirements"]),
            "delivery_methods": _delivery_labels(context["matter"]),
            "bundles": [],
            "intake_places": _intake_places(
                context["matter"].intake_scope,
                context["matter"].intake_min_level,
                context["intake_hall_codes"],
            ),
            "historical": current is None or current.version != kept.version,
            "current": current,
        },
    )


def bundle_list(request: HttpRequest) -> HttpResponse:
    """Published bundles, each with its matters and how many materials it asks once."""
    bundles = list(selectors.bundle_queryset().order_by("code"))
    rows = []
    for bundle in bundles:
        items = list(bundle.items.all())
        separate = sum(len(item.matter.requirements.all()) for item in items)
        rows.append(
            {
                "bundle": bundle,
                "matters": [item.matter for item in items],
                "separate_count": separate,
                "merged_count": len(selectors.bundle_requirements(bundle)),
            }
        )
    return render(request, "matters/bundle_list.html", {"rows": rows})


def _form_label(form: str) -> str:
    return MaterialForm(form).label if form in MaterialForm.values else form


def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A published bundle: its matters and its merged checklist, each material once."""
    bundle = get_object_or_404(selectors.bundle_queryset(), code=code)
    items = list(bundle.items.all())
    matters = [item.matter for item in items]
    merged = selectors.bundle_requirements(bundle)
    rows = [
        {"requirement": requirement, "form_label": _form_label(requirement.form)}
        for requirement in merged
    ]
    departments = {}
    for matter in matters:
        for department in matter.reviewing_departments.all():
            departments.setdefault(department.pk, department)
    return render(
        request,
        "matters/bundle_detail.html",
        {
            "bundle": bundle,
            "matters": matters,
            "requirements": rows,
            "separate_count": sum(len(m.requirements.all()) for m in matters),
            "reviewing_departments": list(departments.values()),
            "has_deferrable": any(r.deferrable for r in merged),
        },
    )
