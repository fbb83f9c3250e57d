"""The supervision dashboard's figures (DOMAIN.md: trips, materials, days, on-time, satisfaction).

Every figure is read with a constant number of aggregate queries, grouped at the finest grain
(lead department × matter or bundle) and rolled up in Python to department, board, matter and
the whole hall: counts and sums roll up exactly, rates and means are taken at the end.

Which cases count where:
- received: submitted (``submitted_at``) within the range;
- decided: decided (``decided_at``) within the range; trips, materials, working days and the
  on-time rate are those of the decided cases;
- satisfaction: ratings given within the range, of the cases in scope;
- open follow-ups: bad-rating follow-ups not closed now, whatever the range.

The promise (``promise_kept_rate``): a decided case kept its matter's promise when it took no more
trips than the matter's ``max_trips`` (跑零次: none; 最多跑一次: one; a matter on the exception
list, 跑多次是例外: its published number); a bundle promises one trip. A case of an exception
matter that took two trips or more within its number is an exception (``exceptions``), not a
failure: the 最多跑一次 rate leaves it out of its denominator.

Steps (经办环节个数) of a decided case: the handling steps its events record — the window's
acceptance decision (受理, 一次性告知 or 不予受理), each department's review decision (each
round), and the decision itself (办结: the conclusion, at the window for an instant matter).

Working days from acceptance to decision are exact on the hall calendar: the decided cases are
counted per acceptance date and per decision date (two grouped queries), and one calendar query
turns dates into working-day ordinals; the days the clock stood still (``stopped_days``:
supplements, special procedures) are taken off, as they are for the time limits.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Case_
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cases.events import CaseAction
from cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseMaterial,
    FollowUp,
    MaterialStatus,
    Rating,
    Visit,
)
from matters.calendar import working_days_since
from matters.models import Board, Bundle, Matter

# Materials the applicant handed over; a material satisfied by an e-licence or shared data was
# not brought (that is what the reform saves).
BROUGHT = (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED)
GOOD_SCORES = (4, 5)
LIST_LIMIT = 200
NO_BOARD = _("一件事")  # bundle cases span boards
NO_HALL = _("未定网点")  # applied online, not taken in yet


@dataclass(frozen=True)
class Scope:
    """The dashboard's date range and filters (ids; ``None`` means all)."""

    start: datetime.date
    end: datetime.date
    department_id: int | None = None
    board_id: int | None = None
    matter_id: int | None = None
    hall_id: int | None = None  # the hall that took the case in (Case.hall)

    @classmethod
    def default(cls, today: datetime.date | None = None) -> "Scope":
        today = today or timezone.localdate()
        return cls(start=today - datetime.timedelta(days=29), end=today)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The range as aware datetimes ``[start 00:00, end+1 00:00)`` in the hall's time zone."""
        tz = timezone.get_current_timezone()
        low = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        high = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return low, high

    def case_filter(self, prefix: str = "") -> Q:
        q = Q()
        if self.department_id:
            q &= Q(**{f"{prefix}lead_department_id": self.department_id})
        if self.board_id:
            q &= Q(**{f"{prefix}matter__board_id": self.board_id})
        if self.matter_id:
            q &= Q(**{f"{prefix}matter_id": self.matter_id})
        if self.hall_id:
            q &= Q(**{f"{prefix}hall_id": self.hall_id})
        return q


@dataclass
class Figures:
    """Counts and sums for one group; rates and means derived from them."""

    key: object = None
    label: str = ""
    received: int = 0
    instant_received: int = 0
    decided: int = 0
    one_trip: int = 0
    zero_trip: int = 0
    promise_kept: int = 0
    exceptions: int = 0  # exception-list cases within their published trips (2 or more)
    steps: int = 0
    trips: int = 0
    brought: int = 0
    required: int = 0
    by_licence: int = 0
    # Materials nobody brought: found through the data exchange, taken from the locker.
    by_data: int = 0
    by_locker: int = 0
    timed: int = 0  # decided cases with an acceptance date
    working_days: int = 0
    committed_days: int = 0
    legal_days: int = 0
    with_deadline: int = 0
    on_time: int = 0
    ratings: int = 0
    good_ratings: int = 0
    # The city's network (received cases): carried by a helper (代办员), taken in at home, to be
    # collected at another hall than the one that took them in.
    helped: int = 0
    home_visits: int = 0
    cross_pickups: int = 0
    open_followups: int = 0
    # Received at the city centre or at a hall below it (nearest the resident), from the hall's
    # level when the grains are rolled up.
    at_centre: int = 0
    at_nearest: int = 0
    # A hall's code and level (HallLevel's value), a level's value (by_hall, by_level).
    code: str | None = None
    level: str | None = None
    # Queue of the hall (by_hall and by_level only): tickets taken, called, their waits.
    tickets: int = 0
    tickets_called: int = 0
    wait: datetime.timedelta = datetime.timedelta(0)

    def add(self, other: "Figures") -> None:
        # Called for every grain and table it counts in: on the instances' dicts directly.
        mine, theirs = self.__dict__, other.__dict__
        for name in ADDED:
            mine[name] += theirs[name]

    @staticmethod
    def _ratio(part: float, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def one_trip_rate(self) -> float | None:
        # An exception-list case within its published trips is not a failure.
        return self._ratio(self.one_trip, self.decided - self.exceptions)

    @property
    def promise_kept_rate(self) -> float | None:
        return self._ratio(self.promise_kept, self.decided)

    @property
    def mean_steps(self) -> float | None:
        return self._ratio(self.steps, self.decided)

    @property
    def zero_trip_rate(self) -> float | None:
        return self._ratio(self.zero_trip, self.decided)

    @property
    def mean_trips(self) -> float | None:
        return self._ratio(self.trips, self.decided)

    @property
    def mean_materials_brought(self) -> float | None:
        return self._ratio(self.brought, self.decided)

    @property
    def mean_materials_required(self) -> float | None:
        return self._ratio(self.required, self.decided)

    @property
    def mean_by_licence(self) -> float | None:
        return self._ratio(self.by_licence, self.decided)

    @property
    def mean_working_days(self) -> float | None:
        return self._ratio(self.working_days, self.timed)

    @property
    def mean_committed_days(self) -> float | None:
        return self._ratio(self.committed_days, self.timed)

    @property
    def mean_legal_days(self) -> float | None:
        return self._ratio(self.legal_days, self.timed)

    @property
    def on_time_rate(self) -> float | None:
        return self._ratio(self.on_time, self.with_deadline)

    @property
    def instant_share(self) -> float | None:
        return self._ratio(self.instant_received, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._ratio(self.good_ratings, self.ratings)

    @property
    def mean_wait_minutes(self) -> float | None:
        if not self.tickets_called:
            return None
        return round(self.wait.total_seconds() / self.tickets_called / 60, 1)

    def summary(self) -> dict:
        """The API's summary shape (ARCHITECTURE.md)."""
        return {
            "cases_received": self.received,
            "cases_decided": self.decided,
            "one_trip_rate": self.one_trip_rate,
            "zero_trip_rate": self.zero_trip_rate,
            "promise_kept_rate": self.promise_kept_rate,
            "trips_exceptions": self.exceptions,
            "mean_steps": self.mean_steps,
            "mean_trips": self.mean_trips,
            "mean_materials_brought": self.mean_materials_brought,
            "materials_saved_by_data": self.by_data,
            "materials_saved_by_locker": self.by_locker,
            "mean_working_days": self.mean_working_days,
            "on_time_rate": self.on_time_rate,
            "instant_share": self.instant_share,
            "satisfaction_rate": self.satisfaction_rate,
            "open_followups": self.open_followups,
            "cases_at_city_centre": self.at_centre,
            "cases_at_nearest_hall": self.at_nearest,
            "cross_hall_pickups": self.cross_pickups,
            "helper_cases": self.helped,
            "home_visit_cases": self.home_visits,
        }

    def hall_summary(self) -> dict:
        """The API's shape of a row of ``by_hall`` or ``by_level``."""
        figures = self.summary()
        return {
            **{name: figures[name] for name in HALL_FIGURES},
            "tickets_taken": self.tickets,
            "tickets_called": self.tickets_called,
            "mean_wait_minutes": self.mean_wait_minutes,
        }


# Fields of a Figures that are not counts of the cases (not summed per day).
LABELS = ("key", "label", "code", "level")
# The fields ``Figures.add`` adds up.
ADDED = tuple(name for name in Figures.__dataclass_fields__ if name not in LABELS)
NOT_SUMMED = (
    *LABELS,
    "open_followups",
    "at_centre",
    "at_nearest",
    "tickets",
    "tickets_called",
    "wait",
)
HALL_FIGURES = (
    "cases_received",
    "cases_decided",
    "cases_at_city_centre",
    "cases_at_nearest_hall",
    "one_trip_rate",
    "zero_trip_rate",
    "mean_trips",
    "mean_working_days",
    "on_time_rate",
    "satisfaction_rate",
    "cross_hall_pickups",
    "helper_cases",
    "home_visit_cases",
)


@dataclass
class Dashboard:
    scope: Scope
    total: Figures
    by_department: list[Figures] = field(default_factory=list)
    by_board: list[Figures] = field(default_factory=list)
    by_matter: list[Figures] = field(default_factory=list)
    by_hall: list[Figures] = field(default_factory=list)
    by_level: list[Figures] = field(default_factory=list)


# Grain: (intake hall, lead department, matter, bundle).
GRAIN = ("hall_id", "lead_department_id", "matter_id", "bundle_id")


class _All:
    def __repr__(self) -> str:
        return "ALL"

    def __reduce__(self) -> str:
        # Pickled (the summary's cached reads) as the module's one ``ALL``: keys test ``is ALL``.
        return "ALL"


# In a grain's key: summed over every value of that part (``SupervisionRollupDaily``). A key
# ``(ALL, department, matter, bundle)`` counts in the total and the tables per department,
# board and matter; ``(hall, ALL, ALL, ALL)`` only in the tables per hall and level; a key
# without ``ALL`` in every table.
ALL = _All()


def _grain(row: dict, prefix: str = "") -> tuple:
    return tuple(row[f"{prefix}{name}"] for name in GRAIN)


def _key(row: dict, prefix: str = "", *, by_day: bool = False) -> tuple:
    """The grain of a row, led by its day when the rows are per day (summary refresh)."""
    grain = _grain(row, prefix)
    return (row["day"], *grain) if by_day else grain


def _received_rows(scope: Scope, low, high, by_day: bool = False) -> QuerySet:
    return (
        Case.objects.filter(scope.case_filter(), submitted_at__gte=low, submitted_at__lt=high)
        .annotate(day=TruncDate("submitted_at"))
        .values(*GRAIN, *(["day"] if by_day else []))
        .annotate(
            n=Count("id"),
            instant=Count("id", filter=Q(matter__handling_type="instant")),
            helped=Count("id", filter=Q(helper__isnull=False)),
            home_visits=Count("id", filter=Q(home_visit=True)),
            cross_pickups=Count(
                "id",
                filter=Q(pickup_hall__isnull=False, hall__isnull=False) & ~Q(pickup_hall=F("hall")),
            ),
        )
        .order_by()
    )


def _decided(scope: Scope, low, high) -> QuerySet[Case]:
    return Case.objects.filter(scope.case_filter(), decided_at__gte=low, decided_at__lt=high)


def _case_trips() -> Case_:
    """Each case's trips: a correlated count of its visits (indexed on case_id), so joins never
    multiply the case rows. A trip count kept on the case row would replace it here.

    A case a helper (代办员) carries, or taken in at the resident's home, costs the resident no
    trip, whatever visits the helper made.
    """
    trips = (
        Visit.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Case_(
        When(Q(helper__isnull=False) | Q(home_visit=True), then=Value(0)),
        default=Coalesce(Subquery(trips, output_field=IntegerField()), 0),
        output_field=IntegerField(),
    )


# The handling steps a case's events record (module docstring).
STEP_ACTIONS = (
    CaseAction.ACCEPT,
    CaseAction.REQUEST_SUPPLEMENT,
    CaseAction.REJECT,
    CaseAction.REVIEW_APPROVE,
    CaseAction.REVIEW_RETURN,
    CaseAction.REVIEW_DENY,
    CaseAction.CONCLUDE,
)


def _case_steps() -> Coalesce:
    """Each case's handling steps: a correlated count of its step events (indexed on case_id)."""
    steps = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action__in=STEP_ACTIONS)
        .order_by()
        .values("case")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(steps, output_field=IntegerField()), 0)


def _decided_rows(scope: Scope, low, high, by_day: bool = False) -> QuerySet:
    # Materials are counted by ``_material_rows``.
    return (
        _decided(scope, low, high)
        .annotate(
            case_trips=_case_trips(),
            case_steps=_case_steps(),
            # A bundle promises one trip.
            promised=Coalesce(F("matter__max_trips"), 1),
            day=TruncDate("decided_at"),
        )
        .values(*GRAIN, *(["day"] if by_day else []))
        .annotate(
            n=Count("id"),
            trips=Sum("case_trips"),
            one_trip=Count("id", filter=Q(case_trips__lte=1)),
            zero_trip=Count("id", filter=Q(case_trips=0)),
            promise_kept=Count("id", filter=Q(case_trips__lte=F("promised"))),
            exceptions=Count(
                "id", filter=Q(promised__gte=2, case_trips__gte=2, case_trips__lte=F("promised"))
            ),
            steps=Coalesce(Sum("case_steps"), 0),
            timed=Count("id", filter=Q(accepted_on__isnull=False)),
            stopped=Coalesce(Sum("stopped_days", filter=Q(accepted_on__isnull=False)), 0),
            committed=Coalesce(Sum("committed_days", filter=Q(accepted_on__isnull=False)), 0),
            legal=Coalesce(Sum("legal_days", filter=Q(accepted_on__isnull=False)), 0),
            with_deadline=Count("id", filter=Q(deadline__isnull=False)),
            on_time=Count("id", filter=Q(deadline__isnull=False, day__lte=F("deadline"))),
        )
        .order_by()
    )


def _material_rows(scope: Scope, low, high, by_day: bool = False) -> QuerySet:
    """Materials of the decided cases per grain: one pass over their rows (one index lookup
    per case) rather than a subquery per case and kind."""
    return (
        CaseMaterial.objects.filter(
            scope.case_filter("case__"), case__decided_at__gte=low, case__decided_at__lt=high
        )
        .annotate(day=TruncDate("case__decided_at"))
        .values(*(f"case__{name}" for name in GRAIN), *(["day"] if by_day else []))
        .annotate(
            brought=Count("id", filter=Q(status__in=BROUGHT)),
            required=Count("id", filter=Q(required=True)),
            by_licence=Count("id", filter=Q(status=MaterialStatus.SATISFIED_BY_LICENCE)),
            by_data=Count("id", filter=Q(status=MaterialStatus.SATISFIED_BY_DATA)),
            by_locker=Count("id", filter=Q(status=MaterialStatus.SATISFIED_BY_LOCKER)),
        )
        .order_by()
    )


def _working_days(scope: Scope, low, high, by_day: bool = False) -> dict[tuple, int]:
    """Working days from acceptance to decision, summed per grain, before stopped days."""
    decided = (
        _decided(scope, low, high)
        .filter(accepted_on__isnull=False)
        .annotate(day=TruncDate("decided_at"))
    )
    keys = (*GRAIN, *(["day"] if by_day else []))
    accepted = decided.values(*keys, "accepted_on").annotate(n=Count("id")).order_by()
    decisions = decided.values(*GRAIN, "day").annotate(n=Count("id")).order_by()
    accepted, decisions = list(accepted), list(decisions)
    if not accepted:
        return {}
    days = {row["accepted_on"] for row in accepted} | {row["day"] for row in decisions}
    # since[d] = working days in (d, last]; so days from a to b = since[a] - since[b].
    since = working_days_since(days, max(days))
    totals: dict[tuple, int] = defaultdict(int)
    for row in accepted:
        totals[_key(row, by_day=by_day)] += row["n"] * since[row["accepted_on"]]
    for row in decisions:
        totals[_key(row, by_day=by_day)] -= row["n"] * since[row["day"]]
    return totals


def _rating_rows(scope: Scope, low, high, by_day: bool = False) -> QuerySet:
    return (
        Rating.objects.filter(scope.case_filter("case__"), created_at__gte=low, created_at__lt=high)
        .annotate(day=TruncDate("created_at"))
        .values(*(f"case__{name}" for name in GRAIN), *(["day"] if by_day else []))
        .annotate(n=Count("id"), good=Count("id", filter=Q(score__in=GOOD_SCORES)))
        .order_by()
    )


FOLLOWUP_PREFIX = "rating__case__"


def _followup_rows(scope: Scope, *, open_only: bool = True) -> QuerySet:
    return (
        FollowUp.objects.filter(
            scope.case_filter(FOLLOWUP_PREFIX), *([Q(closed_at__isnull=True)] if open_only else [])
        )
        .values(*(f"{FOLLOWUP_PREFIX}{name}" for name in GRAIN))
        .annotate(n=Count("id"))
        .order_by()
    )


def supervision_figures(scope: Scope) -> Dashboard:
    """The dashboard's figures for ``scope``: the hall total and per department, board, matter.

    A constant number of queries whatever the data: six grouped aggregates, one calendar
    query, and the names of the departments, matters, boards and bundles that occur.
    """
    with transaction.atomic():
        _without_jit()
        return _supervision_figures(scope)


def _without_jit() -> None:
    # PostgreSQL's JIT compiler costs ~0.9 s on these grouped queries with subqueries (measured
    # on 10,000 cases: 1.08 s with, 0.15 s without) and saves nothing on them.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _supervision_figures(scope: Scope) -> Dashboard:
    from hall.models import SupervisionSummaryState

    from .people import hall_queues
    from .summary import open_followups, summarised_figures

    state = SupervisionSummaryState.objects.first()
    grains: dict[tuple, Figures] = defaultdict(Figures)
    for part, summarised in summarised_figures(scope, state):
        found = summarised if summarised is not None else collect(part)
        for key, figures in found.items():
            for folded in _folded(key):
                grains[folded].add(figures)
    for key, n in open_followups(scope, state).items():
        for folded in _folded(key):
            grains[folded].open_followups += n
    return _roll_up(scope, grains, hall_queues(scope, state))


def _folded(key: tuple) -> tuple[tuple, ...]:
    """A key of the full grain as the two keys summed over part of it that count in the same
    tables (``ALL``): its hall (the tables per hall and level) and its department, matter and
    bundle (the total and the rest). Today's part has a key per hall and matter: folded, the
    roll-up adds up a few hundred keys instead of a thousand, each into six tables."""
    hall_id, department_id, matter_id, bundle_id = key
    if hall_id is ALL or department_id is ALL:
        return (key,)
    return ((hall_id, ALL, ALL, ALL), (ALL, department_id, matter_id, bundle_id))


def collect(scope: Scope, *, by_day: bool = False) -> dict[tuple, Figures]:
    """The figures of ``scope`` per grain (per day and grain with ``by_day``), from the cases.

    Open follow-ups are not here: they are a count of now, not of days.
    """
    low, high = scope.bounds()
    grains: dict[tuple, Figures] = defaultdict(Figures)
    for row in _received_rows(scope, low, high, by_day):
        figures = grains[_key(row, by_day=by_day)]
        figures.received += row["n"]
        figures.instant_received += row["instant"]
        figures.helped += row["helped"]
        figures.home_visits += row["home_visits"]
        figures.cross_pickups += row["cross_pickups"]
    for row in _decided_rows(scope, low, high, by_day):
        figures = grains[_key(row, by_day=by_day)]
        figures.decided += row["n"]
        figures.trips += row["trips"] or 0
        figures.one_trip += row["one_trip"]
        figures.zero_trip += row["zero_trip"]
        figures.promise_kept += row["promise_kept"]
        figures.exceptions += row["exceptions"]
        figures.steps += row["steps"]
        figures.timed += row["timed"]
        figures.working_days -= row["stopped"]
        figures.committed_days += row["committed"]
        figures.legal_days += row["legal"]
        figures.with_deadline += row["with_deadline"]
        figures.on_time += row["on_time"]
    for row in _material_rows(scope, low, high, by_day):
        figures = grains[_key(row, "case__", by_day=by_day)]
        figures.brought += row["brought"]
        figures.required += row["required"]
        figures.by_licence += row["by_licence"]
        figures.by_data += row["by_data"]
        figures.by_locker += row["by_locker"]
    for key, days in _working_days(scope, low, high, by_day).items():
        grains[key].working_days += days
    for row in _rating_rows(scope, low, high, by_day):
        figures = grains[_key(row, "case__", by_day=by_day)]
        figures.ratings += row["n"]
        figures.good_ratings += row["good"]
    return grains


def _roll_up(
    scope: Scope, grains: dict[tuple, Figures], queues: dict[int, Figures] | None = None
) -> Dashboard:
    from halls.models import LEVEL_ORDER, Hall, HallLevel

    queues = queues or {}
    department_ids = {key[1] for key in grains if key[1] is not ALL}
    matter_ids = {key[2] for key in grains if key[2] and key[2] is not ALL}
    bundle_ids = {key[3] for key in grains if key[3] and key[3] is not ALL}
    hall_ids = {key[0] for key in grains if key[0] and key[0] is not ALL} | set(queues)
    halls = {
        row["id"]: row
        for row in Hall.objects.filter(id__in=hall_ids).values("id", "code", "name", "level")
    }
    departments = dict(Department.objects.filter(id__in=department_ids).values_list("id", "name"))
    matters = {
        row["id"]: row
        for row in Matter.objects.filter(id__in=matter_ids).values("id", "name", "board_id")
    }
    bundles = dict(Bundle.objects.filter(id__in=bundle_ids).values_list("id", "name"))
    boards = dict(
        Board.objects.filter(id__in={m["board_id"] for m in matters.values()}).values_list(
            "id", "name"
        )
    )

    total = Figures(key=None, label=_("全部"))
    by_department: dict[object, Figures] = {}
    by_board: dict[object, Figures] = {}
    by_matter: dict[object, Figures] = {}
    by_hall: dict[object, Figures] = {}
    by_level: dict[object, Figures] = {}

    def bucket(table: dict, key, label: str, **more) -> Figures:
        if key not in table:
            table[key] = Figures(key=key, label=label, **more)
        return table[key]

    def hall_buckets(hall_id) -> tuple[Figures, Figures | None]:
        hall = halls.get(hall_id)
        if hall is None:
            return bucket(by_hall, None, NO_HALL), None
        level = HallLevel(hall["level"])
        return (
            bucket(by_hall, hall_id, hall["name"], code=hall["code"], level=level.value),
            bucket(by_level, level.value, level.label, level=level.value),
        )

    for (hall_id, department_id, matter_id, bundle_id), figures in grains.items():
        if hall_id is not ALL:
            # Received at the centre or nearer: in the tables per hall and level and the total.
            level = halls[hall_id]["level"] if hall_id in halls else None
            at_centre = figures.received if level == HallLevel.CITY else 0
            at_nearest = figures.received if level not in (None, HallLevel.CITY) else 0
            total.at_centre += at_centre
            total.at_nearest += at_nearest
            for table in hall_buckets(hall_id):
                if table is not None:
                    table.add(figures)
                    table.at_centre += at_centre
                    table.at_nearest += at_nearest
        if department_id is ALL:
            continue
        total.add(figures)
        bucket(by_department, department_id, departments.get(department_id, "")).add(figures)
        if matter_id:
            matter = matters[matter_id]
            board_key = matter["board_id"]
            bucket(by_board, board_key, boards.get(board_key, "")).add(figures)
            bucket(by_matter, ("matter", matter_id), matter["name"]).add(figures)
        else:
            bucket(by_board, None, NO_BOARD).add(figures)
            bucket(by_matter, ("bundle", bundle_id), bundles.get(bundle_id, "")).add(figures)

    for hall_id, queue in queues.items():
        for table in hall_buckets(hall_id):
            if table is not None:
                table.tickets += queue.tickets
                table.tickets_called += queue.tickets_called
                table.wait += queue.wait

    def ordered(table: dict) -> list[Figures]:
        return sorted(table.values(), key=lambda f: (-f.received, -f.decided, f.label))

    levels = [level.value for level in LEVEL_ORDER]

    def by_rank(figures: Figures) -> tuple:
        rank = levels.index(figures.level) if figures.level in levels else len(levels)
        return (rank, -figures.received, figures.label)

    return Dashboard(
        scope=scope,
        total=total,
        by_department=ordered(by_department),
        by_board=ordered(by_board),
        by_matter=ordered(by_matter),
        by_hall=sorted(by_hall.values(), key=by_rank),
        by_level=sorted(by_level.values(), key=by_rank),
    )


def _open_cases(scope: Scope) -> QuerySet[Case]:
    # A case waiting on the applicant has its clock stopped: its deadline moves on resumption.
    # Only the listed columns are read: the lists are the page's widest part.
    return (
        Case.objects.filter(
            scope.case_filter(),
            status__in=OPEN_STATUSES,
            deadline__isnull=False,
            clock_stopped_on__isnull=True,
        )
        .select_related("lead_department", "matter", "bundle", "hall")
        .only(*LIST_FIELDS)
        .order_by("deadline", "id")
    )


LIST_FIELDS = (
    "number",
    "status",
    "accepted_on",
    "warning_on",
    "deadline",
    "lead_department__name",
    "hall__name",
    "matter__name",
    "bundle__name",
)


def cases_overdue(
    scope: Scope, today: datetime.date | None = None, limit: int = LIST_LIMIT
) -> list[Case]:
    """Open cases past their deadline (red), earliest deadline first."""
    today = today or timezone.localdate()
    return list(_open_cases(scope).filter(deadline__lt=today)[:limit])


def cases_nearly_due(
    scope: Scope, today: datetime.date | None = None, limit: int = LIST_LIMIT
) -> list[Case]:
    """Open cases past their warning date and not yet overdue (yellow)."""
    today = today or timezone.localdate()
    return list(_open_cases(scope).filter(warning_on__lte=today, deadline__gte=today)[:limit])


class _Percentile90(Aggregate):
    """PostgreSQL's ``percentile_cont(0.9)`` (works on intervals as on numbers)."""

    function = "percentile_cont"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"


def queue_figures(scope: Scope) -> dict:
    """Queue figures of the range: tickets taken and called, mean and p90 wait (taking a
    ticket to being called). Three queries; per window see ``window_staff_figures``."""
    from windows.models import Ticket

    tickets = Ticket.objects.filter(date__gte=scope.start, date__lte=scope.end)
    if scope.board_id:
        tickets = tickets.filter(board_id=scope.board_id)
    wait = ExpressionWrapper(F("called_at") - F("created_at"), output_field=DurationField())
    called = tickets.filter(called_at__isnull=False)
    figures = called.aggregate(mean=Avg(wait), count=Count("id"))
    if connection.vendor == "postgresql":
        p90 = called.aggregate(p90=_Percentile90(wait, output_field=DurationField()))["p90"]
    else:  # the embedded SQLite default: a small hall, counted in Python
        waits = sorted(called.annotate(w=wait).values_list("w", flat=True))
        p90 = waits[min(len(waits) - 1, int(0.9 * len(waits)))] if waits else None

    def minutes(value) -> float | None:
        return round(value.total_seconds() / 60, 1) if value is not None else None

    return {
        "tickets_taken": tickets.count(),
        "tickets_called": figures["count"],
        "mean_wait_minutes": minutes(figures["mean"]),
        "p90_wait_minutes": minutes(p90),
    }


def window_staff_figures(scope: Scope) -> dict:
    """Figures per window and per staff member (``hall.supervision.people``)."""
    from .people import window_staff_figures

    return window_staff_figures(scope)
