"""Reads of cases and reviews, with their joins done (constant queries per list)."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce, JSONObject

from accounts.compiled import rows_by
from accounts.models import User

from .access import visible_cases
from .models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseStatus,
    MaterialFile,
    MaterialStatus,
    MaterialTransfer,
    Review,
    ReviewStatus,
)

# The halls a case detail names: intake, pickup, and the first responsible person's.
CASE_HALL_RELATIONS = ("hall", "pickup_hall", "first_responsible", "first_responsible__hall")
# 物料流转 of a case, oldest first, with both halls.
TRANSFERS = Prefetch(
    "transfers",
    queryset=MaterialTransfer.objects.select_related("from_hall", "to_hall").order_by(
        "sent_at", "id"
    ),
)
# The helper (代办员) carrying the case and the resident's online authorisation of them.
CASE_HELPER_RELATIONS = ("helper", "helper__hall", "helper_authorisation")


def case_list_for_user(user: User, *, status: str = "") -> QuerySet[Case]:
    """The cases ``user`` may see, newest first, with what a list row shows.

    Read off the ``case_list_order`` index: the trips come from the row's counter, never from
    a count over the visits of every case.
    """
    queryset = visible_cases(
        user,
        Case.objects.select_related("matter", "bundle", "lead_department", "hall").annotate(
            trips=F("trip_count")
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def case_detail_queryset(user: User) -> QuerySet[Case]:
    """Cases ``user`` may see, with materials, files, reviews, events and visits loaded."""
    files = MaterialFile.objects.order_by("uploaded_at", "id")
    materials = CaseMaterial.objects.select_related(
        "material_type", "requirement", "reused_from__case__hall"
    ).prefetch_related(Prefetch("files", queryset=files))
    return visible_cases(
        user,
        Case.objects.select_related(
            "matter",
            "bundle",
            "lead_department",
            "owner",
            "matter__board",
            "shipment",
            # The payments app's fee of the case (one per case, or none).
            "payment",
            # The online 容缺 commitment (one per case, or none).
            "commitment",
            *CASE_HALL_RELATIONS,
            *CASE_HELPER_RELATIONS,
        ).prefetch_related(
            Prefetch("materials", queryset=materials),
            # The courier integration's (delivery) shipment history, read by the API.
            "shipment__history",
            # The documents app's papers, read by the API (``documents`` sits above cases).
            "documents",
            Prefetch(
                "events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")
            ),
            Prefetch("reviews", queryset=Review.objects.select_related("department")),
            "visits",
            "special_procedures",
            "extensions",
            TRANSFERS,
        ),
    )


# What a service holding the case's row lock read and wrote, handed on to the reactions of
# the event it records in the same transaction (``hand_on``), so that they need not read it
# again: the materials as the service left them, the reviews it just opened and the
# approvers of their departments.
_HANDED_ON = "_handed_on"


def hand_on(
    case: Case,
    *,
    materials: list[CaseMaterial] | None = None,
    reviews=None,
    approvers: dict[int, list[User]] | None = None,
) -> None:
    """Give the reactions of this transaction's event the case's ``materials`` (every one,
    with its material type, as now stored), its pending ``reviews`` (with departments) or
    the active ``approvers`` of those reviews' departments (department id → users)."""
    handed = case.__dict__.setdefault(_HANDED_ON, {})
    if materials is not None:
        handed["materials"] = list(materials)
    if reviews is not None:
        handed["reviews"] = list(reviews)
    if approvers is not None:
        handed["approvers"] = approvers


def handed_approvers(case: Case) -> dict[int, list[User]] | None:
    """The approvers of the case's reviewing departments the service handed on (``hand_on``),
    by department id, or ``None``."""
    return case.__dict__.get(_HANDED_ON, {}).get("approvers")


def hand_on_end(case: Case) -> None:
    """Forget what was handed on: past its event, the instance's caller must read afresh."""
    case.__dict__.pop(_HANDED_ON, None)


def handed_materials(case: Case) -> list[CaseMaterial] | None:
    """The case's materials the service handed on (``hand_on``), or ``None``."""
    return case.__dict__.get(_HANDED_ON, {}).get("materials")


def _materials_with_types() -> QuerySet[CaseMaterial]:
    return CaseMaterial.objects.select_related("material_type")


def materials_of(case: Case) -> list[CaseMaterial]:
    """The case's materials with their material types (as ``case.materials`` gives them,
    ``material.case`` being ``case``): every command reads them, so the statement is compiled
    once per process."""
    materials = rows_by("case_materials", _materials_with_types, "case", case.pk)
    for material in materials:
        material.case = case
    return materials


def case_materials(case: Case) -> list[CaseMaterial]:
    """The case's materials with their material types, in the checklist's order: those the
    service handed on (``hand_on``), else read."""
    handed = handed_materials(case)
    if handed is not None:
        return sorted(handed, key=lambda m: (m.order, m.pk))
    return list(case.materials.select_related("material_type").order_by("order", "id"))


def pending_reviews(case: Case) -> list[Review]:
    """The case's pending reviews with their departments: those the service handed on
    (``hand_on``), else read."""
    handed = case.__dict__.get(_HANDED_ON, {}).get("reviews")
    if handed is not None:
        return sorted(
            (r for r in handed if r.status == ReviewStatus.PENDING),
            key=lambda r: (r.department_id, r.pk),
        )
    return list(case.reviews.filter(status=ReviewStatus.PENDING).select_related("department"))


# Built once per process and database vendor: building it (the JSON subqueries' expressions
# resolved) cost about as much as running it.
_answer_querysets: dict[str, QuerySet[Case]] = {}


def case_answer_queryset() -> QuerySet[Case]:
    """What the API's case detail shows (``CaseDetailSerializer``), for every case: filter it
    by the case (the API reads the case's key first, from what the caller may see:
    ``cases.access.visible_case``).

    On PostgreSQL one statement reads it all: the materials with their files, the reviews,
    the events and the papers as arrays of JSON rows (``material_rows``, ``review_rows``,
    ``event_rows``, ``document_rows``); only a courier shipment's history is a second one.
    The embedded SQLite of ``make run`` reads them with one query each instead.
    """
    vendor = connection.vendor
    queryset = _answer_querysets.get(vendor)
    if queryset is None:
        queryset = _answer_querysets[vendor] = _build_answer_queryset(vendor == "postgresql")
    return queryset


def case_answer(pk: int) -> Case:
    """The case with what the API's case detail shows (``case_answer_queryset``), by its key
    alone: for a caller the lookup has already let through.

    Compiling the answer's JSON subqueries took more CPU than PostgreSQL took to run them
    (about 3 ms a command): its statement is compiled once per process (``accounts.compiled``).
    """
    found = rows_by("case_answer", case_answer_queryset(), "pk", pk)
    if not found:
        raise Case.DoesNotExist(f"No case {pk}")
    return found[0]


def _data_lookups() -> QuerySet:
    """The exchange's lookups (``exchange.DataLookup``), reached through their relation."""
    return CaseMaterial._meta.get_field("data_lookups").related_model.objects.all()


# A material's finding in the data exchange, as the case answer shows it.
DATA_ROW = JSONObject(
    item="data_item__code",
    item_name="data_item__name",
    department="data_item__department__code",
    department_name="data_item__department__name",
    at="at",
    fields=KeyTransform("fields", "snapshot"),
)


def _build_answer_queryset(rows: bool) -> QuerySet[Case]:
    queryset = Case.objects.select_related(
        "matter",
        "bundle",
        "shipment",
        # The payments app's fee of the case (one per case, or none).
        "payment",
        "commitment",
        *CASE_HALL_RELATIONS,
        *CASE_HELPER_RELATIONS,
    ).prefetch_related(
        # The courier integration's (delivery) shipment history; no query without a shipment.
        "shipment__history"
    )
    if not rows:
        materials = CaseMaterial.objects.select_related(
            "material_type", "reused_from__case__hall"
        ).prefetch_related(
            Prefetch("files", queryset=MaterialFile.objects.order_by("uploaded_at", "id")),
            Prefetch(
                "data_lookups",
                queryset=_data_lookups()
                .filter(outcome="found")
                .select_related("data_item__department")
                .order_by("-id"),
            ),
        )
        return queryset.prefetch_related(
            Prefetch("materials", queryset=materials),
            # The documents app's papers (``documents`` sits above cases).
            "documents",
            Prefetch(
                "events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")
            ),
            Prefetch("reviews", queryset=Review.objects.select_related("department")),
            TRANSFERS,
        )
    files = MaterialFile.objects.filter(material=OuterRef("pk")).order_by("uploaded_at", "id")
    # What the data exchange returned for a material it satisfied (the exchange app's log,
    # by the relation it hangs on the material: it sits above cases).
    data_found = _data_lookups().filter(material=OuterRef("pk"), outcome="found").order_by("-id")
    materials = CaseMaterial.objects.filter(case=OuterRef("pk")).order_by("order", "id")
    material_row = JSONObject(
        requirement="requirement_id",
        material="material_type__code",
        name="material_type__name",
        key="key",
        required="required",
        deferrable="deferrable",
        status="status",
        due_date="due_date",
        reason="reason",
        # 材料库复用: the earlier case's material that stands for this one.
        reused_case="reused_from__case__number",
        reused_hall_code="reused_from__case__hall__code",
        reused_hall_name="reused_from__case__hall__name",
        reused_at="reused_from__taken_in_at",
        files=ArraySubquery(
            files.values(row=JSONObject(id="id", name="original_name", size="size"))
        ),
        data=Subquery(data_found.values(row=DATA_ROW)[:1]),
    )
    reviews = Review.objects.filter(case=OuterRef("pk")).order_by("department_id", "id")
    review_row = JSONObject(
        id="id",
        # Not shown: lets the lookup see that an approver's department reviews the case.
        department_id="department_id",
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
    # The documents app's papers, by the relation it hangs on the case (it sits above cases);
    # a pending paper renders on its first download, a failed one is not offered.
    document_model = Case._meta.get_field("documents").related_model
    documents = (
        document_model.objects.filter(case=OuterRef("pk"))
        .exclude(status="failed")
        .order_by("requested_at", "id")
    )
    transfers = MaterialTransfer.objects.filter(case=OuterRef("pk")).order_by("sent_at", "id")
    transfer_row = JSONObject(
        id="id",
        from_code="from_hall__code",
        from_name="from_hall__name",
        to_code="to_hall__code",
        to_name="to_hall__name",
        materials="materials",
        sent_at="sent_at",
        received_at="received_at",
    )
    return queryset.annotate(
        material_rows=ArraySubquery(materials.values(row=material_row)),
        transfer_rows=ArraySubquery(transfers.values(row=transfer_row)),
        review_rows=ArraySubquery(reviews.values(row=review_row)),
        event_rows=ArraySubquery(events.values(row=event_row)),
        document_rows=ArraySubquery(documents.values(row=JSONObject(kind="kind", title="title"))),
    )


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


def deadline_light_condition(light: str, today, prefix: str = "") -> Q:
    """The rows whose case shows the ``light`` (``yellow`` or ``red``) of
    ``services.deadlines.deadline_colour`` today: red past the deadline, yellow from the
    warning day (80% of the limit used); never while the clock is stopped."""
    running = Q(**{f"{prefix}clock_stopped_on__isnull": True, f"{prefix}deadline__isnull": False})
    red = Q(**{f"{prefix}deadline__lt": today})
    if light == "red":
        return running & red
    return running & ~red & Q(**{f"{prefix}warning_on__lte": today})


def review_queue_counts(department_id: int, today) -> dict[str, int]:
    """A department's pending reviews and how many of them show yellow and red (one query)."""
    return Review.objects.filter(
        department_id=department_id, status=ReviewStatus.PENDING
    ).aggregate(
        pending=Count("id"),
        yellow=Count("id", filter=deadline_light_condition("yellow", today, "case__")),
        red=Count("id", filter=deadline_light_condition("red", today, "case__")),
    )


def cases_awaiting_intake() -> QuerySet[Case]:
    """Online cases submitted and not yet answered, oldest first (the desk's inbox).

    Read off the partial index ``case_awaiting_intake``.
    """
    return (
        Case.objects.filter(status=CaseStatus.SUBMITTED)
        .select_related("matter", "bundle", "lead_department")
        .order_by("submitted_at", "id")
    )


def transfers_pending_at(hall_id: int) -> QuerySet[MaterialTransfer]:
    """Paper materials on their way to a hall, oldest first (the desk's 待接收材料; read off
    the partial index ``transfer_pending_order``)."""
    return (
        MaterialTransfer.objects.filter(to_hall_id=hall_id, received_at__isnull=True)
        .select_related("case", "case__matter", "case__bundle", "from_hall", "sent_by")
        .order_by("sent_at", "id")
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


def material_data_findings(materials: list[CaseMaterial]) -> dict[int, dict]:
    """What the data exchange returned for the materials it satisfied, by material id:
    ``{item, department, at, fields}`` (one query, none without such a material). The
    exchange's log hangs on the material by a relation (that app sits above cases)."""
    satisfied = [m for m in materials if m.status == MaterialStatus.SATISFIED_BY_DATA]
    if not satisfied:
        return {}
    lookups = CaseMaterial._meta.get_field("data_lookups").related_model.objects.filter(
        material__in=satisfied, outcome="found"
    )
    findings = {}
    for lookup in lookups.select_related("data_item__department").order_by("id"):
        findings[lookup.material_id] = {
            "item": lookup.data_item.name,
            "department": lookup.data_item.department.name,
            "at": lookup.at,
            "fields": lookup.snapshot.get("fields", []),
        }
    return findings
