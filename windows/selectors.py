"""Reads for the clerk desk: its lists, each a fixed number of queries however long."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.identity import normalize_id_number, validate_credit_code, validate_id_number
from accounts.models import IdentityKind, User
from cases.models import Case, CaseStatus, Channel, fsm_sources
from cases.selectors import case_list_for_user, cases_awaiting_intake, with_material_counts
from halls.availability import matters_taken_in_at
from halls.models import Hall
from halls.selectors import city_centre, staff_hall
from matters.calendar import working_days_since
from matters.models import BundleItem, Matter

from .halls import boards_served
from .models import HOLDING, Appointment, Slot, Ticket, TicketStatus, Window, WindowStatus
from .services import ticket_ahead

DEEMED_ACCEPTANCE_DAYS = 5
CASE_NUMBER_RE = re.compile(r"^\d{8}-\d{5}$")


@dataclass
class InboxRow:
    case: Case
    working_days: int

    @property
    def deemed_due(self) -> bool:
        """Nobody answered within 5 working days: deemed accepted at the next run (art. 32)."""
        return self.working_days >= DEEMED_ACCEPTANCE_DAYS

    @property
    def deemed_soon(self) -> bool:
        return self.working_days == DEEMED_ACCEPTANCE_DAYS - 1


def intake_at(hall: Hall) -> Q:
    """Online cases ``hall`` may take in: a matter it may take in (``matters_taken_in_at``),
    or a bundle (一件事) all of whose matters it may take in; a case that names its intake hall
    at that hall only (at any, when that hall has no windows).

    Both conditions are uncorrelated subqueries on the small catalog tables, hashed once per
    query and checked per awaiting case: the cases are still read off their status (the
    partial index ``case_awaiting_intake``, or the status index and a top-N sort), whatever
    the number of halls (bench/halls.py).
    """
    allowed = Matter.objects.filter(matters_taken_in_at(hall)).values("pk")
    refused_bundles = (
        BundleItem.objects.exclude(matter_id__in=allowed).order_by().values("bundle_id")
    )
    what = Q(matter_id__in=allowed) | (
        Q(matter__isnull=True, bundle__isnull=False) & ~Q(bundle_id__in=refused_bundles)
    )
    # A point without windows (a helper's desk) has no clerk to take its cases in: they
    # wait at every hall that may take them in, or nobody would see them.
    no_desk = Hall.objects.filter(has_windows=False).values("pk")
    return what & (Q(hall__isnull=True) | Q(hall=hall) | Q(hall_id__in=no_desk))


def desk_inbox(*, hall: Hall, limit: int = 100) -> tuple[list[InboxRow], int]:
    """Cases awaiting intake that ``hall`` may take in, oldest first, with the working days
    they have waited."""
    awaiting = cases_awaiting_intake().filter(intake_at(hall))
    cases = list(with_material_counts(awaiting)[:limit])
    total = len(cases) if len(cases) < limit else awaiting.count()
    today = timezone.localdate()
    submitted = {
        case.pk: timezone.localdate(case.submitted_at or case.created_at) for case in cases
    }
    counts = working_days_since(list(submitted.values()), today)
    return [InboxRow(case, counts.get(submitted[case.pk], 0)) for case in cases], total


def desk_handover(*, hall=None, limit: int = 100) -> tuple[list[Case], int]:
    """Results to issue or to hand over at the window (统一出件), oldest decision first.

    With ``hall``, the results to hand over are those waiting at that hall (its pickup hall,
    else its intake hall, else the city centre: as ``cases.services.halls.pickup_hall_id``);
    results still to be issued are every hall's.
    """
    queryset = Case.objects.filter(status__in=fsm_sources(Case, "issue", "collect"))
    if hall is not None:
        waiting_here = Q(pickup_hall=hall) | Q(pickup_hall__isnull=True, hall=hall)
        if hall.is_city_centre:
            waiting_here |= Q(pickup_hall__isnull=True, hall__isnull=True)
        queryset = queryset.filter(Q(status__in=fsm_sources(Case, "issue")) | waiting_here)
    queryset = queryset.select_related("matter", "bundle", "lead_department").order_by(
        "decided_at", "id"
    )
    cases = list(queryset[:limit])
    total = len(cases) if len(cases) < limit else queryset.count()
    return cases, total


def desk_window_drafts(user, *, limit: int = 20) -> list[Case]:
    """Applications this clerk started at the window and has not yet decided on."""
    return list(
        Case.objects.filter(status=CaseStatus.DRAFT, channel=Channel.WINDOW, created_by=user)
        .select_related("matter", "bundle")
        .order_by("-created_at", "-id")[:limit]
    )


def cases_of_applicant(user, identity: str, *, limit: int = 50) -> QuerySet[Case]:
    """An applicant's cases by ID number or credit code (also as the agent), newest first."""
    number = normalize_id_number(identity)
    condition = (
        Q(applicant_id_number=number) | Q(applicant_credit_code=number) | Q(agent_id_number=number)
    )
    return case_list_for_user(user).filter(condition)[:limit]


def looks_like_case_number(text: str) -> bool:
    return bool(CASE_NUMBER_RE.match(text.strip()))


def applicant_prefill(identity: str) -> dict:
    """The applicant's details for a new form (一表登记): from the account holding the ID
    number or credit code, else from their latest case; empty when unknown."""
    number = normalize_id_number(identity)
    if not number:
        return {}
    user = User.objects.filter(Q(id_number=number) | Q(credit_code=number)).first()
    if user is not None:
        kind = user.identity_kind or IdentityKind.PERSON
        return {
            "kind": kind,
            "name": user.name,
            "id_number": user.id_number,
            "credit_code": user.credit_code,
            "phone": user.phone,
        }
    case = (
        Case.objects.filter(Q(applicant_id_number=number) | Q(applicant_credit_code=number))
        .order_by("-created_at", "-id")
        .first()
    )
    if case is not None:
        return {
            "kind": case.applicant_kind,
            "name": case.applicant_name,
            "id_number": case.applicant_id_number,
            "credit_code": case.applicant_credit_code,
            "phone": case.applicant_phone,
        }
    try:
        validate_id_number(number)
    except ValidationError:
        try:
            validate_credit_code(number)
        except ValidationError:
            return {}
        return {"kind": IdentityKind.COMPANY, "credit_code": number}
    return {"kind": IdentityKind.PERSON, "id_number": number}


# The queue ------------------------------------------------------------------------------

DEFAULT_SERVICE_MINUTES = 8
SERVICE_SAMPLE = 30
LATEST_CALLS = 10


def clerk_window(user) -> Window | None:
    """The window a clerk sits at in their own hall, with its boards and hall, or ``None``."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Window.objects.filter(clerk=user, hall=staff_hall(user))
        .select_related("hall")
        .prefetch_related("boards")
        .order_by("number")
        .first()
    )


def window_of(user) -> dict | None:
    """The window a clerk sits at, for ``/api/v1/me/``: ``{number, name, generalist,
    status, boards: [letter…]}``, or ``None``."""

    window = clerk_window(user)
    if window is None:
        return None
    return {
        "number": window.number,
        "name": window.name,
        "generalist": window.generalist,
        "status": window.status,
        "boards": [board.code for board in window.boards.all()],
    }


def service_minutes(board_id: int | None = None, hall_id: int | None = None) -> float:
    """Mean minutes from call to done over the latest served tickets (a default when none)."""

    queryset = Ticket.objects.filter(
        status=TicketStatus.DONE, called_at__isnull=False, done_at__isnull=False
    )
    if board_id is not None:
        queryset = queryset.filter(board_id=board_id)
    if hall_id is not None:
        queryset = queryset.filter(hall_id=hall_id)
    rows = list(queryset.order_by("-done_at").values_list("called_at", "done_at")[:SERVICE_SAMPLE])
    if not rows:
        return float(DEFAULT_SERVICE_MINUTES)
    total = sum((done - called).total_seconds() for called, done in rows)
    return max(1.0, total / len(rows) / 60)


def estimated_wait_minutes(ticket) -> tuple[int, int]:
    """``(ahead, minutes)`` for ``ticket``: those ahead times the mean service time, shared
    among the open windows of its hall that serve its board."""

    ahead = ticket_ahead(ticket)
    windows = (
        Window.objects.filter(hall_id=ticket.hall_id, status=WindowStatus.OPEN)
        .filter(Q(generalist=True) | Q(boards=ticket.board_id))
        .distinct()
        .count()
    )
    minutes = ahead * service_minutes(ticket.board_id, ticket.hall_id) / max(1, windows)
    return ahead, round(minutes)


def board_snapshot(*, hall: Hall | None = None, day=None) -> dict:
    """The display board of ``hall`` (default: the city centre): its latest calls and the
    waiting count per board it serves (2 queries, each on one hall's day of
    ``ticket_hall_*_idx``).

    Only real calls: a ticket the window marked as not come (过号) leaves the board.
    """

    hall = hall or city_centre()
    day = day or timezone.localdate()
    calls = (
        Ticket.objects.filter(hall=hall, date=day, called_at__isnull=False)
        .exclude(window=None)
        .exclude(status=TicketStatus.NO_SHOW)
        .select_related("window", "board")
        .order_by("-called_at", "-id")[:LATEST_CALLS]
    )
    waiting = (
        Ticket.objects.filter(
            hall=hall, date=day, status=TicketStatus.WAITING, board_id=OuterRef("pk")
        )
        .order_by()
        .values("board_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    boards = boards_served(hall).annotate(
        waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), 0)
    )
    return {
        "calls": [
            {
                "ticket": ticket.number,
                "window": ticket.window.number,
                "window_name": ticket.window.name,
                "board": ticket.board.name,
                "called_at": ticket.called_at,
            }
            for ticket in calls
        ],
        "boards": [
            {
                "code": board.code,
                "name": board.name,
                "letter": board.letter,
                "waiting": board.waiting,
            }
            for board in boards
        ],
    }


def window_panel(window) -> dict:
    """The desk's queue panel for ``window``: its current ticket and the waiting count."""

    today = timezone.localdate()
    current = (
        # The window's current ticket: the one it would finish (called or serving).
        Ticket.objects.filter(window=window, date=today, status__in=fsm_sources(Ticket, "done"))
        .select_related("board", "case")
        .order_by("-called_at")
        .first()
    )
    waiting = Ticket.objects.filter(hall_id=window.hall_id, date=today, status=TicketStatus.WAITING)
    if not window.generalist:
        waiting = waiting.filter(board__in=window.boards.all())
    return {"current": current, "waiting": waiting.count()}


def _open_slots(hall, today, now_time):
    """A hall's slots from today on, less today's slots that have already ended."""
    return Slot.objects.filter(hall=hall, date__gte=today).exclude(date=today, end__lte=now_time)


def appointment_halls() -> QuerySet[Hall]:
    """The halls one can book at: active, with a queue."""
    return Hall.objects.filter(active=True, has_queue=True).order_by("order", "code")


def upcoming_slots(*, hall, board=None, day=None, on=None, limit: int = 60):
    """A hall's future slots with their places taken, soonest first; ``on`` one day only."""

    now = timezone.localtime()
    today = day or now.date()
    queryset = (
        _open_slots(hall, today, now.time())
        .select_related("board")
        .annotate(taken=Count("appointments", filter=Q(appointments__status__in=HOLDING)))
        .annotate(remaining=F("capacity") - F("taken"))
        .order_by("date", "start", "board__order")
    )
    if board is not None:
        queryset = queryset.filter(board=board)
    if on is not None:
        queryset = queryset.filter(date=on)
    return queryset[:limit]


def booking_window(hall) -> tuple:
    """``(first, last)`` day on which ``hall``'s slots are open for booking, ``(None, None)``
    if none."""

    now = timezone.localtime()
    bounds = _open_slots(hall, now.date(), now.time()).aggregate(
        first=Min("date"), last=Max("date")
    )
    return bounds["first"], bounds["last"]


def first_open_day(board, hall):
    """The first day with an open slot of ``board`` at ``hall``, or ``None``."""

    now = timezone.localtime()
    return (
        _open_slots(hall, now.date(), now.time())
        .filter(board=board)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def appointments_of(user):
    """A citizen's appointments, newest slot first."""

    return (
        Appointment.objects.filter(user=user)
        .select_related("slot", "slot__board", "slot__hall")
        .order_by("-slot__date", "-slot__start")
    )
