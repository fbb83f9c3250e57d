"""Reads of the catalog, with their joins done."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Department

from .models import (
    Bundle,
    BundleItem,
    CatalogStatus,
    DataItem,
    MaterialForm,
    MaterialType,
    Matter,
    ProcessStep,
    ProvidedBy,
    Question,
    QuestionOption,
    Requirement,
)
from .search import search_matters, search_words


def matter_list(
    *,
    search: str = "",
    board: str = "",
    department: str = "",
    online_level: int | None = None,
    max_trips: int | None = None,
    hall=None,
) -> QuerySet[Matter]:
    """Published matters, filtered; board and department are codes, ``hall`` a Hall: the
    matters it may take in."""
    queryset = Matter.published.select_related("board", "lead_department")
    if hall is not None:
        # The catalog names halls (``intake_halls``); the rule of which may take in what
        # is the halls app's.
        from halls.availability import matters_taken_in_at

        queryset = queryset.filter(matters_taken_in_at(hall))
    queryset = search_matters(queryset, search)
    if board:
        queryset = queryset.filter(board__code=board)
    if department:
        queryset = queryset.filter(lead_department__code=department)
    if online_level is not None:
        queryset = queryset.filter(online_level=online_level)
    if max_trips is not None:
        # 2 stands for every matter on the exception list (跑多次是例外: 2 trips or more).
        queryset = (
            queryset.filter(max_trips__gte=2)
            if max_trips >= 2
            else queryset.filter(max_trips=max_trips)
        )
    if search_words(search):
        return queryset.order_by("-search_rank", "board__order", "code")
    return queryset.order_by("board__order", "code")


def departments_with_published_matters() -> QuerySet[Department]:
    """Departments that lead at least one published matter (for filters), by code."""
    return Department.objects.filter(
        Exists(Matter.published.filter(lead_department=OuterRef("pk")))
    ).order_by("code")


def matter_detail_queryset() -> QuerySet[Matter]:
    """Published matters with everything their guide shows."""
    return Matter.published.select_related(
        "board", "lead_department", "result_licence_type"
    ).prefetch_related(
        "reviewing_departments",
        Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
        *checklist_prefetches(),
    )


def checklist_prefetches() -> tuple[Prefetch, ...]:
    """What ``matters.checklist.evaluate`` reads: the questions with their options, the
    requirements with their materials and the options selecting each (four queries)."""
    return (
        Prefetch(
            "questions",
            queryset=Question.objects.order_by("order", "id").prefetch_related(
                Prefetch("options", queryset=QuestionOption.objects.order_by("order", "id"))
            ),
        ),
        Prefetch(
            "requirements",
            queryset=Requirement.objects.select_related(
                "material", "material__licence_type", "material__data_item__department"
            )
            .prefetch_related(
                Prefetch(
                    "selected_by",
                    queryset=QuestionOption.objects.select_related("question").order_by(
                        "question__order", "order", "id"
                    ),
                )
            )
            .order_by("order", "id"),
        ),
    )


def matter_checklist_queryset(queryset: QuerySet[Matter] | None = None) -> QuerySet[Matter]:
    """Matters (published unless ``queryset`` says otherwise) with what their questions and
    checklist need: a constant number of queries whatever their size."""
    queryset = Matter.published.all() if queryset is None else queryset
    return queryset.select_related("lead_department").prefetch_related(*checklist_prefetches())


def popular_matters(limit: int = 8) -> QuerySet[Matter]:
    """The most used published matters, for the home page."""
    return Matter.published.select_related("board").order_by("-usage_count", "code")[:limit]


@dataclass
class MergedRequirement:
    """One material type asked once across a bundle's matters."""

    material: MaterialType
    key: bool
    required: bool
    deferrable: bool
    copies: int
    form: str
    conditions: list[str] = field(default_factory=list)
    matters: list[Matter] = field(default_factory=list)
    requirement_ids: list[int] = field(default_factory=list)
    # Who brings it: the applicant, a department that pushes it, or the bundle itself (the
    # e-licence one of its matters issues); only the applicant's can be required.
    provided_by: str = ProvidedBy.APPLICANT


def merge_requirements(
    requirements: list[Requirement], *, produced: dict[int, Matter] | None = None
) -> list[MergedRequirement]:
    """The union of requirements, each material type once.

    Key if any matter holds it key, required if any requires it, deferrable only if every
    matter allows deferring it, the largest number of copies. ``produced`` maps the licence
    types the bundle's own matters issue to the matter issuing each: another matter of the
    bundle asking for that licence gets it from the bundle (企业开办 asking for the 营业执照
    it issues), so that requirement is neither key nor required of the applicant.
    """
    produced = produced or {}
    merged: dict[int, MergedRequirement] = {}
    for requirement in requirements:
        provided_by = getattr(requirement, "provided_by", ProvidedBy.APPLICANT)
        key, required, deferrable = requirement.key, requirement.required, requirement.deferrable
        condition = requirement.condition
        producer = produced.get(requirement.material.licence_type_id)
        if producer is not None and producer.pk != requirement.matter_id:
            provided_by, key, required, deferrable = ProvidedBy.BUNDLE, False, False, False
            condition = _("由本“一件事”中的“%(m)s”办理生成，无需提交") % {"m": producer.name}
        entry = merged.get(requirement.material_id)
        if entry is None:
            merged[requirement.material_id] = MergedRequirement(
                material=requirement.material,
                key=key,
                required=required,
                deferrable=deferrable,
                copies=requirement.copies,
                form=requirement.form,
                conditions=[condition] if condition else [],
                matters=[requirement.matter],
                requirement_ids=[requirement.id],
                provided_by=provided_by,
            )
            continue
        if entry.provided_by != provided_by:
            # Asked of the applicant by one matter: theirs to bring.
            entry.provided_by = ProvidedBy.APPLICANT
        entry.key = entry.key or key
        entry.required = entry.required or required
        if entry.form != requirement.form:
            # Matters disagree (original here, copy there): ask for both.
            entry.form = MaterialForm.ORIGINAL_AND_COPY
        entry.deferrable = entry.deferrable and deferrable and not entry.key
        entry.copies = max(entry.copies, requirement.copies)
        if condition and condition not in entry.conditions:
            entry.conditions.append(condition)
        if entry.required:
            entry.conditions = []
        entry.matters.append(requirement.matter)
        entry.requirement_ids.append(requirement.id)
    return list(merged.values())


def bundle_queryset() -> QuerySet[Bundle]:
    """Published bundles with their matters and the matters' requirements."""
    return Bundle.published.prefetch_related(
        Prefetch(
            "items",
            # A matter retired after the bundle was published drops out of it.
            queryset=BundleItem.objects.filter(matter__status=CatalogStatus.PUBLISHED)
            .select_related("matter", "matter__lead_department", "matter__board")
            .prefetch_related(
                "matter__reviewing_departments",
                Prefetch(
                    "matter__requirements",
                    queryset=Requirement.objects.select_related(
                        "material",
                        "material__licence_type",
                        "material__data_item__department",
                        "matter",
                    ).order_by("order", "id"),
                ),
            )
            .order_by("order", "id"),
        )
    )


def bundle_requirements(bundle: Bundle) -> list[MergedRequirement]:
    """A bundle's merged checklist (use a bundle from ``bundle_queryset`` to avoid queries)."""
    matters = [item.matter for item in bundle.items.all()]
    requirements = [requirement for matter in matters for requirement in matter.requirements.all()]
    produced = {m.result_licence_type_id: m for m in matters if m.result_licence_type_id}
    return merge_requirements(requirements, produced=produced)


def data_items_of(matters: list[Matter]) -> list[DataItem]:
    """The active shared data items that can stand for materials of these matters (one
    query), by name: what the applicant is asked to agree to be looked up."""
    return list(
        DataItem.objects.filter(
            active=True, material_types__requirements__matter__in=[m.pk for m in matters]
        )
        .select_related("department")
        .distinct()
        .order_by("code")
    )
