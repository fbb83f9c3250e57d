"""Reads of the catalog, with their joins done."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.models import Department

from .models import (
    Bundle,
    BundleItem,
    CatalogStatus,
    MaterialForm,
    MaterialType,
    Matter,
    ProcessStep,
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
) -> QuerySet[Matter]:
    """Published matters, filtered; board and department are codes."""
    queryset = Matter.published.select_related("board", "lead_department")
    queryset = search_matters(queryset, search)
    if board:
        queryset = queryset.filter(board__code=board)
    if department:
        queryset = queryset.filter(lead_department__code=department)
    if online_level is not None:
        queryset = queryset.filter(online_level=online_level)
    if max_trips is not None:
        queryset = queryset.filter(max_trips=max_trips)
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
        Prefetch(
            "requirements",
            queryset=Requirement.objects.select_related(
                "material", "material__licence_type"
            ).order_by("order", "id"),
        ),
    )


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


def merge_requirements(requirements: list[Requirement]) -> list[MergedRequirement]:
    """The union of requirements, each material type once.

    Key if any matter holds it key, required if any requires it, deferrable only if every
    matter allows deferring it, the largest number of copies.
    """
    merged: dict[int, MergedRequirement] = {}
    for requirement in requirements:
        entry = merged.get(requirement.material_id)
        if entry is None:
            merged[requirement.material_id] = MergedRequirement(
                material=requirement.material,
                key=requirement.key,
                required=requirement.required,
                deferrable=requirement.deferrable,
                copies=requirement.copies,
                form=requirement.form,
                conditions=[requirement.condition] if requirement.condition else [],
                matters=[requirement.matter],
                requirement_ids=[requirement.id],
            )
            continue
        entry.key = entry.key or requirement.key
        entry.required = entry.required or requirement.required
        if entry.form != requirement.form:
            # Matters disagree (original here, copy there): ask for both.
            entry.form = MaterialForm.ORIGINAL_AND_COPY
        entry.deferrable = entry.deferrable and requirement.deferrable and not entry.key
        entry.copies = max(entry.copies, requirement.copies)
        if requirement.condition and requirement.condition not in entry.conditions:
            entry.conditions.append(requirement.condition)
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
                        "material", "material__licence_type", "matter"
                    ).order_by("order", "id"),
                ),
            )
            .order_by("order", "id"),
        )
    )


def bundle_requirements(bundle: Bundle) -> list[MergedRequirement]:
    """A bundle's merged checklist (use a bundle from ``bundle_queryset`` to avoid queries)."""
    requirements = [
        requirement for item in bundle.items.all() for requirement in item.matter.requirements.all()
    ]
    return merge_requirements(requirements)
