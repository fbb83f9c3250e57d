"""Figures per window and per staff member (对窗口工作人员重点考核), from the daily summary.

- per window: tickets of the range called and served at the window, the mean wait of those
  called there, the cases linked to its tickets, and the ratings given in the range of cases
  it served (a ticket of the case at the window, any day);
- per staff member: the cases whose trip (visit) in the range they served at the window, the
  tickets they called and their mean wait, and the ratings given in the range of the cases
  they served (a trip of the case served by them, any day).

Every count is kept per day in ``hall.models.SupervisionPeopleDaily`` (rebuilt with the rest of
the summary, ``summary.supervision_summary_refresh``); the days the summary does not cover
(today, as a rule) are read from the visits, tickets and ratings with the same queries. A case
is counted once per window or clerk over the whole range: each trip or ticket carries the day
the same clerk or window last served the case (``previous``), and only those with none in the
range count.

A ticket is counted under its own board; trips and ratings under their matter's board (what
the board filter selects). Staff names are shown (the supervisor assesses the staff); no
applicant data is read.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, fields, replace

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from cases.models import Rating, Visit

from .selectors import GOOD_SCORES, Figures, Scope

# The key of a summary row after the day (hall.models.SupervisionPeopleDaily's columns).
KEY = (
    "window_id",
    "user_id",
    "hall_id",
    "board_id",
    "lead_department_id",
    "matter_id",
    "bundle_id",
    "previous",
)
# The same key as the queries name it (a column's own name is refused as an alias).
ALIASES = tuple(f"k_{name}" for name in KEY)
ZERO = datetime.timedelta(0)


@dataclass
class Counts:
    visits: int = 0
    tickets: int = 0
    case_tickets: int = 0
    called: int = 0
    served: int = 0
    tickets_called: int = 0
    calls: int = 0
    wait: datetime.timedelta = ZERO
    ratings: int = 0
    good_ratings: int = 0

    def add(self, other: "Counts") -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTED = [f.name for f in fields(Counts)]


def _case_q(scope: Scope, prefix: str, staff: str = "") -> Q:
    """Rows of a case (trips, ratings): every filter on the case, the board its matter's; the
    hall filter on the hall of the member of staff (or window) ``staff`` names."""
    q = replace(scope, hall_id=None).case_filter(prefix)
    if scope.hall_id:
        q &= Q(**{f"{staff}__hall_id": scope.hall_id})
    return q


def _ticket_q(scope: Scope, prefix: str = "", hall: str = "hall_id") -> Q:
    """Tickets: the board filter on the ticket's board, the others on its case; the hall filter
    on ``hall`` (the ticket's, its window's or its caller's)."""
    q = Q()
    if scope.hall_id:
        q &= Q(**{hall: scope.hall_id})
    if scope.board_id:
        q &= Q(**{f"{prefix}board_id": scope.board_id})
    if scope.department_id:
        q &= Q(**{f"{prefix}case__lead_department_id": scope.department_id})
    if scope.matter_id:
        q &= Q(**{f"{prefix}case__matter_id": scope.matter_id})
    return q


def _grain(prefix: str, board: str) -> dict:
    """The key's board and case grain, as ``values()`` expressions named as the summary's."""
    return {
        "k_board_id": F(board),
        "k_lead_department_id": F(f"{prefix}lead_department_id"),
        "k_matter_id": F(f"{prefix}matter_id"),
        "k_bundle_id": F(f"{prefix}bundle_id"),
    }


def _wait(prefix: str = "") -> ExpressionWrapper:
    return ExpressionWrapper(
        F(f"{prefix}called_at") - F(f"{prefix}created_at"), output_field=DurationField()
    )


def _visit_rows(scope: Scope, by_day: bool) -> QuerySet:
    before = (
        Visit.objects.filter(
            case=OuterRef("case"), clerk=OuterRef("clerk"), date__lt=OuterRef("date")
        )
        .order_by("-date")
        .values("date")[:1]
    )
    return (
        Visit.objects.filter(
            _case_q(scope, "case__", "clerk"),
            date__gte=scope.start,
            date__lte=scope.end,
            clerk__isnull=False,
        )
        .annotate(previous=Subquery(before))
        .values(
            k_user_id=F("clerk_id"),
            k_previous=F("previous"),
            **({"day": F("date")} if by_day else {}),
            **(_grain("case__", "case__matter__board_id") if by_day else {}),
        )
        .annotate(visits=Count("id"))
        .order_by()
    )


def _ticket_rows(scope: Scope, by_day: bool) -> QuerySet:
    from windows.models import Ticket

    # The ticket of the same case at the same window just before this one (day, then number).
    before = (
        Ticket.objects.filter(case=OuterRef("case"), window=OuterRef("window"))
        .filter(Q(date__lt=OuterRef("date")) | Q(date=OuterRef("date"), id__lt=OuterRef("id")))
        .order_by("-date")
        .values("date")[:1]
    )
    called = Q(called_at__isnull=False)
    return (
        Ticket.objects.filter(
            _ticket_q(scope, hall="window__hall_id"),
            date__gte=scope.start,
            date__lte=scope.end,
            window__isnull=False,
        )
        .annotate(previous=Subquery(before))
        .values(
            k_window_id=F("window_id"),
            k_previous=F("previous"),
            **({"day": F("date")} if by_day else {}),
            **(_grain("case__", "board_id") if by_day else {}),
        )
        .annotate(
            tickets=Count("id"),
            called=Count("id", filter=called),
            served=Count("id", filter=Q(status="done")),
            case_tickets=Count("id", filter=Q(case__isnull=False)),
            wait=Sum(_wait(), filter=called),
        )
        .order_by()
    )


def _call_rows(scope: Scope, by_day: bool) -> QuerySet:
    from windows.models import TicketEvent

    called = Q(ticket__called_at__isnull=False)
    return (
        TicketEvent.objects.filter(
            _ticket_q(scope, "ticket__", hall="actor__hall_id"),
            action="call",
            actor__isnull=False,
            ticket__date__gte=scope.start,
            ticket__date__lte=scope.end,
        )
        .values(
            k_user_id=F("actor_id"),
            **({"day": F("ticket__date")} if by_day else {}),
            **(_grain("ticket__case__", "ticket__board_id") if by_day else {}),
        )
        .annotate(
            tickets_called=Count("ticket", distinct=True),
            calls=Count("id", filter=called),
            wait=Sum(_wait("ticket__"), filter=called),
        )
        .order_by()
    )


def _rating_rows(scope: Scope, by_day: bool, served_by: str) -> QuerySet:
    """Ratings given in the range, per clerk who served a trip of the case (``served_by``
    ``visits__clerk``) or per window one of its tickets was called to (``tickets__window``).
    """
    low, high = scope.bounds()
    person = "k_user_id" if served_by == "visits__clerk" else "k_window_id"
    good = Q(score__in=GOOD_SCORES)
    return (
        Rating.objects.filter(
            _case_q(scope, "case__", f"case__{served_by}"),
            created_at__gte=low,
            created_at__lt=high,
            **{f"case__{served_by}__isnull": False},
        )
        .values(
            **{person: F(f"case__{served_by}")},
            **({"day": TruncDate("created_at")} if by_day else {}),
            **(_grain("case__", "case__matter__board_id") if by_day else {}),
        )
        # A case served twice by the same clerk (or window) is rated once.
        .annotate(
            ratings=Count("id", distinct=True),
            good_ratings=Count("id", filter=good, distinct=True),
        )
        .order_by()
    )


def _queue_rows(scope: Scope, by_day: bool) -> QuerySet:
    """Every ticket of the range per hall: taken, called, and the waits of those called."""
    from windows.models import Ticket

    called = Q(called_at__isnull=False)
    return (
        Ticket.objects.filter(_ticket_q(scope), date__gte=scope.start, date__lte=scope.end)
        .values(
            k_hall_id=F("hall_id"),
            **({"day": F("date")} if by_day else {}),
            **(_grain("case__", "board_id") if by_day else {}),
        )
        .annotate(
            tickets=Count("id"), called=Count("id", filter=called), wait=Sum(_wait(), filter=called)
        )
        .order_by()
    )


def collect_people(scope: Scope, *, by_day: bool = False) -> dict[tuple, Counts]:
    """The counts of ``scope`` from the visits, tickets and ratings (six grouped queries).

    With ``by_day`` the key is the summary's (day, then ``KEY``); otherwise only who (window or
    user) and ``previous``, the rest of ``KEY`` ``None``.
    """
    rows: dict[tuple, Counts] = defaultdict(Counts)
    sources = (
        _visit_rows(scope, by_day),
        _ticket_rows(scope, by_day),
        _call_rows(scope, by_day),
        _rating_rows(scope, by_day, "visits__clerk"),
        _rating_rows(scope, by_day, "tickets__window"),
        _queue_rows(scope, by_day),
    )
    for source in sources:
        for row in source:
            key = tuple(row.get(name) for name in ALIASES)
            if by_day:
                key = (row["day"], *key)
            counts = rows[key]
            for name in COUNTED:
                if row.get(name):  # a sum of nothing (no ticket called) is None
                    setattr(counts, name, getattr(counts, name) + row[name])
    return rows


def _summary_q(part: Scope) -> Q:
    """The summary's rows of ``part``'s days, board, department and matter: the rows summed
    over them (``whole``) when none is asked for."""
    filters = {
        name: value
        for name, value in (
            ("board_id", part.board_id),
            ("lead_department_id", part.department_id),
            ("matter_id", part.matter_id),
        )
        if value
    }
    return Q(day__gte=part.start, day__lte=part.end, whole=not filters, **filters)


def _summarised(scope: Scope, part: Scope) -> list[dict]:
    """The summarised counts of ``part`` per window or user (one query), with the trips and
    case tickets that were the first of their case with that clerk or window in ``scope``."""
    from hall.models import SupervisionPeopleDaily

    q = _summary_q(part)
    if part.hall_id:
        q &= (
            Q(window__hall_id=part.hall_id)
            | Q(user__hall_id=part.hall_id)
            | Q(hall_id=part.hall_id)
        )
    first = Q(previous__isnull=True) | Q(previous__lt=scope.start)
    return list(
        SupervisionPeopleDaily.objects.filter(q)
        .values("window_id", "user_id", "hall_id")
        # The cases first: once annotated, "visits" names the sum, not the column.
        .annotate(
            cases=Coalesce(Sum("visits", filter=first), 0)
            + Coalesce(Sum("case_tickets", filter=first), 0)
        )
        .annotate(**{name: Sum(name) for name in COUNTED})
        .order_by()
    )


def people_counts(scope: Scope) -> tuple[dict[tuple, Counts], dict[tuple, int]]:
    """Counts per ``(window_id, user_id, hall_id)`` (one of the three set) over ``scope`` and
    the cases among them: closed days from the summary, the others from the visits, tickets and
    ratings."""
    from hall.models import SupervisionSummaryState

    from .summary import cached_read, summary_parts

    totals: dict[tuple, Counts] = defaultdict(Counts)
    cases: dict[tuple, int] = defaultdict(int)
    state = SupervisionSummaryState.objects.first()
    for part, summarised in summary_parts(scope, state):
        if summarised:
            # "first" counts from ``scope.start``: part of the key.
            rows = cached_read(
                state,
                f"people-from-{scope.start}",
                part,
                lambda part=part: _summarised(scope, part),
            )
            for row in rows:
                who = (row["window_id"], row["user_id"], row["hall_id"])
                totals[who].add(Counts(**{name: row[name] for name in COUNTED}))
                cases[who] += row["cases"]
            continue
        for (window_id, user_id, hall_id, *_grain, previous), counts in collect_people(
            part
        ).items():
            who = (window_id, user_id, hall_id)
            totals[who].add(counts)
            if previous is None or previous < scope.start:
                cases[who] += counts.visits + counts.case_tickets
    return totals, cases


def _minutes(wait: datetime.timedelta, n: int) -> float | None:
    return round(wait.total_seconds() / n / 60, 1) if n else None


def _satisfaction(n: int, good: int) -> float | None:
    return round(good / n, 4) if n else None


def window_staff_figures(scope: Scope) -> dict:
    """The rows of the per-window and per-staff tables; a constant number of queries."""
    from accounts.models import User
    from windows.models import Window

    totals, cases = people_counts(scope)
    window_ids = [w for (w, _u, _h), c in totals.items() if w is not None and c.tickets]
    user_ids = [u for (_w, u, _h) in totals if u is not None]
    windows = Window.objects.filter(id__in=window_ids).values("id", "number", "name", "hall__name")
    window_rows = []
    for window in windows.order_by("number"):
        counts = totals[(window["id"], None, None)]
        window_rows.append(
            {
                "number": window["number"],
                "name": window["name"],
                "hall": window["hall__name"] or "",
                "tickets_called": counts.called,
                "tickets_served": counts.served,
                "cases": cases[(window["id"], None, None)],
                "mean_wait_minutes": _minutes(counts.wait, counts.called),
                "ratings": counts.ratings,
                "satisfaction_rate": _satisfaction(counts.ratings, counts.good_ratings),
            }
        )
    names = {
        row["id"]: row
        for row in User.objects.filter(id__in=user_ids).values(
            "id", "name", "username", "department__name", "hall__name"
        )
    }
    staff_rows = []
    for user_id in user_ids:
        counts, user = totals[(None, user_id, None)], names.get(user_id, {})
        staff_rows.append(
            {
                "name": user.get("name") or user.get("username", ""),
                "department": user.get("department__name") or "",
                "hall": user.get("hall__name") or "",
                "cases": cases[(None, user_id, None)],
                "visits": counts.visits,
                "tickets_called": counts.tickets_called,
                "mean_wait_minutes": _minutes(counts.wait, counts.calls),
                "ratings": counts.ratings,
                "satisfaction_rate": _satisfaction(counts.ratings, counts.good_ratings),
            }
        )
    staff_rows.sort(key=lambda r: (-r["cases"], -r["tickets_called"], r["name"]))
    return {"windows": window_rows, "staff": staff_rows}


def hall_queues(scope: Scope, state) -> dict[int, Figures]:
    """Queue figures per hall over ``scope`` (tickets taken, called, their waits): closed days
    from the summary's hall rows, the others from the tickets. Two or three queries."""
    from hall.models import SupervisionPeopleDaily

    from .summary import cached_read, summary_parts

    queues: dict[int, Figures] = defaultdict(Figures)

    def add(hall_id, tickets, called, wait) -> None:
        queue = queues[hall_id]
        queue.tickets += tickets
        queue.tickets_called += called
        queue.wait += wait or ZERO

    for part, summarised in summary_parts(scope, state):
        if summarised:
            q = _summary_q(part) & Q(hall__isnull=False)
            if part.hall_id:
                q &= Q(hall_id=part.hall_id)
            rows = cached_read(
                state,
                "queues",
                part,
                lambda q=q: list(
                    SupervisionPeopleDaily.objects.filter(q)
                    .values("hall_id")
                    .annotate(tickets=Sum("tickets"), called=Sum("called"), wait=Sum("wait"))
                    .order_by()
                ),
            )
            for row in rows:
                add(row["hall_id"], row["tickets"], row["called"], row["wait"])
        else:
            for row in _queue_rows(part, False):
                add(row["k_hall_id"], row["tickets"], row["called"], row["wait"])
    return queues
