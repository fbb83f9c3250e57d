"""Reads of cases and reviews, with their joins done (constant queries per list)."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce, JSONObject

from accounts.models import User

from .access import visible_cases
from .models import Case, CaseEvent, CaseMaterial, CaseStatus, MaterialFile, Review, ReviewStatus


def case_list_for_user(user: User, *, status: str = "") -> QuerySet[Case]:
    """The cases ``user`` may see, newest first, with what a list row shows.

    Read off the ``case_list_order`` index: the trips come from the row's counter, never from
    a count over the visits of every case.
    """
    queryset = visible_cases(
        user,
        Case.objects.select_related("matter", "bundle", "lead_department").annotate(
            trips=F("trip_count")
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def case_detail_queryset(user: User, *, answer: bool = False) -> QuerySet[Case]:
    """Cases ``user`` may see, with materials, files, reviews, events and visits loaded.

    ``answer=True`` loads only what the API's case detail shows, in as few queries as it
    can: the reviews and events are read in the case's own query (``review_rows``,
    ``event_rows``), the files in the materials'
    (``file_rows``); the visits, special procedures and extensions (pages only) are left out.
    The rows are read as arrays (PostgreSQL); the embedded SQLite of ``make run`` reads them
    with one query each instead.
    """
    answer = answer and connection.vendor == "postgresql"
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
        "matter",
        "bundle",
        "lead_department",
        "owner",
        "matter__board",
        "shipment",
        # The online 容缺 commitment (one per case, or none).
        "commitment",
    )
    if answer:
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


REVIEW_QUEUE_ORDER = ("case_deadline", "case_accepted_on", "case_id")


def review_queue_for_department(
    department_id: int | None, *, status: str = ReviewStatus.PENDING
) -> QuerySet[Review]:
    """A department's reviews, deadline first (``REVIEW_QUEUE_ORDER``).

    The order is the case's deadline and acceptance day, copied onto the review by triggers
    (``review_pending_queue`` and ``review_department_queue`` indexes): the database reads the
    head of the department's index instead of sorting its backlog. A case has one review per
    department, so the case breaks ties.
    """
    queryset = Review.objects.filter(department_id=department_id).select_related(
        "case", "case__matter", "case__bundle", "department"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by(*REVIEW_QUEUE_ORDER)


def cases_awaiting_intake() -> QuerySet[Case]:
    """Online cases submitted and not yet answered, oldest first (the desk's inbox).

    Read off the partial index ``case_awaiting_intake``.
    """
    return (
        Case.objects.filter(status=CaseStatus.SUBMITTED)
        .select_related("matter", "bundle", "lead_department")
        .order_by("submitted_at", "id")
    )


def with_material_counts(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """``material_count`` and ``received_count`` (in hand) on each case of a short list.

    In hand is the row's counter; the total is counted per case shown (after the page is
    taken), never grouped over every case the filter matches.
    """
    total = (
        CaseMaterial.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        material_count=Coalesce(Subquery(total), 0), received_count=F("materials_in")
    )
