"""Reads of cases and reviews, with their joins done (constant queries per list)."""

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User

from .access import visible_cases
from .models import Case, CaseEvent, CaseMaterial, MaterialFile, Review, ReviewStatus


def case_list_for_user(user: User, *, status: str = "") -> QuerySet[Case]:
    """The cases ``user`` may see, newest first, with what a list row shows."""
    queryset = visible_cases(
        user,
        Case.objects.select_related("matter", "bundle", "lead_department").annotate(
            trips=Count("visits", distinct=True)
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def case_detail_queryset(user: User) -> QuerySet[Case]:
    """Cases ``user`` may see, with materials, files, reviews, events and visits loaded."""
    return visible_cases(
        user,
        Case.objects.select_related(
            "matter", "bundle", "lead_department", "owner", "matter__board", "shipment"
        ).prefetch_related(
            Prefetch(
                "materials",
                queryset=CaseMaterial.objects.select_related(
                    "material_type", "requirement"
                ).prefetch_related(
                    Prefetch("files", queryset=MaterialFile.objects.order_by("uploaded_at", "id"))
                ),
            ),
            Prefetch("reviews", queryset=Review.objects.select_related("department")),
            Prefetch(
                "events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")
            ),
            "visits",
            "special_procedures",
            "extensions",
            # The courier integration's (delivery) shipment history, read by the API.
            "shipment__history",
            # The documents app's papers, read by the API (``documents`` sits above cases).
            "documents",
        ),
    )


def review_queue_for_department(
    department_id: int | None, *, status: str = ReviewStatus.PENDING
) -> QuerySet[Review]:
    """A department's reviews, deadline first (cases whose clock is stopped last)."""
    queryset = Review.objects.filter(department_id=department_id).select_related(
        "case", "case__matter", "case__bundle", "department"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("case__deadline", "case__accepted_on", "id")


def cases_awaiting_intake() -> QuerySet[Case]:
    """Online cases submitted and not yet answered, oldest first (the desk's inbox)."""
    return (
        Case.objects.filter(status="submitted")
        .select_related("matter", "bundle", "lead_department")
        .order_by("submitted_at", "id")
    )
