"""Reads of cases and reviews, with their joins done (constant queries per list)."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce, JSONObject

from accounts.models import User

from .access import visible_cases
from .models import Case, CaseEvent, CaseMaterial, MaterialFile, Review, ReviewStatus, Visit


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


def case_detail_queryset(user: User, *, answer: bool = False) -> QuerySet[Case]:
    """Cases ``user`` may see, with materials, files, reviews, events and visits loaded.

    ``answer=True`` loads only what the API's case detail shows, in as few queries as it
    can: the trips are counted and the reviews and events read in the case's own query
    (``trip_total``, ``review_rows``, ``event_rows``), the files in the materials'
    (``file_rows``); the visits, special procedures and extensions (pages only) are left out.
    """
    materials = CaseMaterial.objects.select_related("material_type", "requirement")
    if answer:
        # The files' shown fields in the materials' own query (``file_rows``).
        files = MaterialFile.objects.filter(material=OuterRef("pk")).order_by("uploaded_at", "id")
        materials = materials.annotate(
            file_rows=ArraySubquery(
                files.values(row=JSONObject(id="id", name="original_name", size="size"))
            )
        )
    else:
        materials = materials.prefetch_related(
            Prefetch("files", queryset=MaterialFile.objects.order_by("uploaded_at", "id"))
        )
    related = [
        Prefetch("materials", queryset=materials),
        # The courier integration's (delivery) shipment history, read by the API.
        "shipment__history",
        # The documents app's papers, read by the API (``documents`` sits above cases).
        "documents",
    ]
    queryset = Case.objects.select_related(
        "matter", "bundle", "lead_department", "owner", "matter__board", "shipment"
    )
    if answer:
        trips = (
            Visit.objects.filter(case=OuterRef("pk"))
            .order_by()
            .values("case")
            .annotate(n=Count("pk"))
            .values("n")
        )
        reviews = Review.objects.filter(case=OuterRef("pk")).order_by("department_id", "id")
        review_row = JSONObject(
            id="id",
            code="department__code",
            name="department__name",
            status="status",
            opinion="opinion",
            round="round",
        )
        events = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("at", "id")
        event_row = JSONObject(
            action="action",
            from_status="from_status",
            to_status="to_status",
            actor_id="actor_id",
            actor_name="actor__name",
            actor_username="actor__username",
            actor_role="actor_role",
            at="at",
            note="note",
            internal="internal",
        )
        queryset = queryset.annotate(
            trip_total=Coalesce(Subquery(trips), 0),
            review_rows=ArraySubquery(reviews.values(row=review_row)),
            event_rows=ArraySubquery(events.values(row=event_row)),
        )
    else:
        related += [
            Prefetch(
                "events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")
            ),
            Prefetch("reviews", queryset=Review.objects.select_related("department")),
            "visits",
            "special_procedures",
            "extensions",
        ]
    return visible_cases(user, queryset.prefetch_related(*related))


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
