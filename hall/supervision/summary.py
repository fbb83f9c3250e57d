"""The daily summary behind the dashboard on a big hall: refresh and read.

Closed days (before today) are summarised per day and grain; the dashboard adds those rows up
and reads only the days outside the summarised range (today, as a rule) from the cases. The
refresh rebuilds whole days, so it is safe to run twice. A decided case's trips can still grow
after its decision day (collecting the result); the nightly refresh therefore rebuilds the last
``REFRESH_DAYS`` days, which keeps closed days exact as long as results are collected within
that time. ``manage.py supervision_summary`` builds any range (a new hall: every day).

Open follow-ups are a count of now: each refresh counts them per grain, and the dashboard adds
the follow-ups created since and takes off those closed since, so it never joins every open
follow-up to its case.
"""

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Model, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Case, FollowUp
from hall.models import (
    SupervisionDaily,
    SupervisionOpenFollowUps,
    SupervisionPeopleDaily,
    SupervisionRollupDaily,
    SupervisionSummaryState,
)

from .people import COUNTED, KEY, Counts, collect_people
from .selectors import (
    ALL,
    FOLLOWUP_PREFIX,
    GRAIN,
    NOT_SUMMED,
    Figures,
    Scope,
    _followup_rows,
    _grain,
    _without_jit,
    collect,
)

REFRESH_DAYS = 60
ONE_DAY = datetime.timedelta(days=1)
SUMMED = [name for name in Figures.__dataclass_fields__ if name not in NOT_SUMMED]


@transaction.atomic
def supervision_summary_refresh(*, start: datetime.date, end: datetime.date) -> int:
    """Rebuild the summary of the closed days ``start``..``end``; return the rows written.

    Idempotent. Days from today on are never summarised: they are still changing.
    """
    end = min(end, timezone.localdate() - datetime.timedelta(days=1))
    if end < start:
        return 0
    _without_jit()  # as for the dashboard: the grouped reads with subqueries gain nothing by it
    state = SupervisionSummaryState.objects.select_for_update(of=("self",)).first()
    if state and (
        start > state.covered_to + datetime.timedelta(days=1)
        or end < state.covered_from - datetime.timedelta(days=1)
    ):
        # Not adjacent to what is covered: start the covered range afresh.
        for model in SUMMARY_TABLES:
            model.objects.all().delete()
        state.delete()
        state = None
    for model in SUMMARY_TABLES:
        model.objects.filter(day__gte=start, day__lte=end).delete()
    grains = collect(Scope(start=start, end=end), by_day=True)
    written = _insert(
        SupervisionDaily,
        ["day", *GRAIN, *SUMMED],
        [
            (day, *grain, *(getattr(figures, name) for name in SUMMED))
            for (day, *grain), figures in grains.items()
        ],
    )
    written += _insert(
        SupervisionRollupDaily, ["day", "per_hall", *GRAIN, *SUMMED], _rollups(grains)
    )
    written += _refresh_months(start, end)
    by_grain = collect_people(Scope(start=start, end=end), by_day=True)
    whole: dict[tuple, Counts] = defaultdict(Counts)
    for (day, *key), counts in by_grain.items():
        who = dict(zip(KEY, key, strict=True))
        whole[(day, who["window_id"], who["user_id"], who["hall_id"], who["previous"])].add(counts)
    # The rows per grain, then the same summed over board, department, matter and bundle.
    written += _insert(
        SupervisionPeopleDaily,
        ["day", *KEY, "whole", *COUNTED],
        [
            (day, *key, False, *(getattr(counts, name) for name in COUNTED))
            for (day, *key), counts in by_grain.items()
        ]
        + [
            (
                day,
                *(window_id, user_id, hall_id, None, None, None, None, previous),
                True,
                *(getattr(counts, name) for name in COUNTED),
            )
            for (day, window_id, user_id, hall_id, previous), counts in whole.items()
        ],
    )
    if state is None:
        state = SupervisionSummaryState(covered_from=start, covered_to=end)
    else:
        state.covered_from = min(state.covered_from, start)
        state.covered_to = max(state.covered_to, end)
    if end >= state.covered_to or state.followups_counted_at is None:
        # The nightly refresh, not each chunk of an older range being backfilled.
        _count_open_followups(state)
    state.save()
    return written


SUMMARY_TABLES = (SupervisionDaily, SupervisionRollupDaily, SupervisionPeopleDaily)


def _rollups(grains: dict[tuple, Figures]) -> list[tuple]:
    """The rows of ``SupervisionRollupDaily`` (day, per hall, grain, counts) from the figures
    per day and grain: summed over the halls, and per hall summed over the rest."""
    over_halls: dict[tuple, Figures] = defaultdict(Figures)
    per_hall: dict[tuple, Figures] = defaultdict(Figures)
    for (day, hall_id, *grain), figures in grains.items():
        over_halls[(day, *grain)].add(figures)
        per_hall[(day, hall_id)].add(figures)
    return [
        (day, False, None, *grain, *(getattr(figures, name) for name in SUMMED))
        for (day, *grain), figures in over_halls.items()
    ] + [
        (day, True, hall_id, None, None, None, *(getattr(figures, name) for name in SUMMED))
        for (day, hall_id), figures in per_hall.items()
    ]


def _refresh_months(start: datetime.date, end: datetime.date) -> int:
    """Rebuild the month rows of ``SupervisionRollupDaily`` of the months ``start``..``end``
    touch, from every day row of those months (one query and the inserts)."""
    first, last = start.replace(day=1), _month_end(end)
    rollups = SupervisionRollupDaily.objects.filter(day__gte=first, day__lte=last)
    rollups.filter(month=True).delete()
    rows = (
        rollups.filter(month=False)
        .annotate(first_day=TruncMonth("day"))
        .values("first_day", "per_hall", *GRAIN)
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    )
    return _insert(
        SupervisionRollupDaily,
        ["day", "month", "per_hall", *GRAIN, *SUMMED],
        [
            (row["first_day"], True, row["per_hall"], *(row[name] for name in (*GRAIN, *SUMMED)))
            for row in rows
        ],
    )


def _month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - ONE_DAY


def _rollup_days(start: datetime.date, end: datetime.date) -> Q:
    """The rollup rows of ``start``..``end`` (days the summary covers): the month rows of the
    whole months in it, the day rows of the other days."""
    first = start if start.day == 1 else _month_end(start) + ONE_DAY
    last = end if end == _month_end(end) else end.replace(day=1) - ONE_DAY
    if first > last:
        return Q(month=False, day__gte=start, day__lte=end)
    return (
        Q(month=True, day__gte=first, day__lte=last)
        | Q(month=False, day__gte=start, day__lt=first)
        | Q(month=False, day__gt=last, day__lte=end)
    )


INSERT_BATCH = 5000
# Values the database takes only once prepared (a date is text in SQLite, a duration a number);
# counts and ids pass as they are.
PREPARED_TYPES = ("DateField", "DurationField")


def _insert(model: type[Model], names: list[str], rows: list[tuple]) -> int:
    """Insert ``rows``, the values of ``model``'s fields ``names`` (every other field takes its
    default), in multi-row INSERTs; return how many.

    The summary writes tens of thousands of rows a night: ``bulk_create`` spent most of the
    refresh building a model instance per row and preparing each value field by field.
    """
    if not rows:
        return 0
    fields = [model._meta.get_field(name) for name in names]
    defaults = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field not in fields
    ]
    fields += defaults
    tail = tuple(field.get_db_prep_save(field.get_default(), connection) for field in defaults)
    prepared = [
        (index, field)
        for index, field in enumerate(fields[: len(names)])
        if field.get_internal_type() in PREPARED_TYPES
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    size = max(1, min(INSERT_BATCH, connection.ops.bulk_batch_size(fields, rows)))
    with connection.cursor() as cursor:
        for first in range(0, len(rows), size):
            batch = rows[first : first + size]
            params: list = []
            for row in batch:
                if prepared:
                    row = list(row)
                    for index, field in prepared:
                        row[index] = field.get_db_prep_save(row[index], connection)
                params.extend(row)
                params.extend(tail)
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([placeholder] * len(batch))}",
                params,
            )
    return len(rows)


def _count_open_followups(state: SupervisionSummaryState) -> None:
    """Count the open follow-ups now, per grain; ``state`` records when and up to which one."""
    counted_at = timezone.now()
    last_id = FollowUp.objects.aggregate(last=Max("id"))["last"] or 0
    # Open at ``counted_at`` by the timestamps: a closing time after it (a clock ahead) is taken
    # off again by ``open_followups``, as every closing since.
    rows = _followup_rows(Scope.default(), open_only=False).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=counted_at), id__lte=last_id
    )
    SupervisionOpenFollowUps.objects.all().delete()
    SupervisionOpenFollowUps.objects.bulk_create(
        SupervisionOpenFollowUps(
            **dict(zip(GRAIN, _grain(row, FOLLOWUP_PREFIX), strict=True)), open=row["n"]
        )
        for row in rows
    )
    state.followups_counted_at = counted_at
    state.followups_last_id = last_id


def open_followups(scope: Scope, state: SupervisionSummaryState | None) -> dict[tuple, int]:
    """Open follow-ups now per grain: counted at the last refresh, plus those created since,
    less those closed since (two small queries)."""
    counts: dict[tuple, int] = defaultdict(int)
    if state is None or state.followups_counted_at is None:
        for row in _followup_rows(scope):
            counts[_grain(row, FOLLOWUP_PREFIX)] += row["n"]
        return counts
    counted = cached_read(
        state,
        "open-followups",
        dataclasses.replace(scope, start=state.covered_from, end=state.covered_to),
        lambda: list(
            SupervisionOpenFollowUps.objects.filter(scope.case_filter()).values_list(*GRAIN, "open")
        ),
    )
    for *grain, n in counted:
        counts[tuple(grain)] += n
    last_id, counted_at = state.followups_last_id, state.followups_counted_at
    created = Q(id__gt=last_id, closed_at__isnull=True)
    closed = Q(id__lte=last_id, closed_at__gt=counted_at)
    changes = (
        _followup_rows(scope, open_only=False)
        .filter(created | closed)
        .annotate(created=Count("id", filter=created), closed=Count("id", filter=closed))
    )
    for row in changes:
        counts[_grain(row, FOLLOWUP_PREFIX)] += row["created"] - row["closed"]
    return counts


def supervision_summary_refresh_recent(*, today: datetime.date | None = None) -> int:
    """The nightly refresh (Celery beat): rebuild the last ``REFRESH_DAYS`` closed days, and
    summarise the older days if they are not yet."""
    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    state = SupervisionSummaryState.objects.first()
    start = yesterday - datetime.timedelta(days=REFRESH_DAYS - 1)
    if state is not None:
        # Close any gap since the last run as well.
        start = min(start, state.covered_to + datetime.timedelta(days=1))
        start = max(start, state.covered_from)
    rows = supervision_summary_refresh(start=start, end=yesterday)
    # The older days as well while the summary does not reach the first case (no backfill yet,
    # or one cut short by the task's time limit: chunks commit newest first, so the next night
    # goes on where this one stopped).
    state = SupervisionSummaryState.objects.first()
    first = _first_day()
    if state is not None and first is not None and first < state.covered_from:
        supervision_summary_backfill(start=first, end=state.covered_from - datetime.timedelta(1))
    return rows


def _first_day() -> datetime.date | None:
    first = Case.objects.aggregate(first=Min("submitted_at"))["first"]
    return timezone.localdate(first) if first is not None else None


def supervision_summary_backfill(
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    chunk_days: int = 31,
    progress: Callable[[datetime.date, datetime.date, int], None] | None = None,
) -> tuple[datetime.date, datetime.date] | None:
    """Summarise the closed days ``start``..``end`` (default: from the first case to yesterday).

    One transaction per ``chunk_days`` days, newest first: each chunk is adjacent to the range
    already covered, so the dashboard keeps its summary while the backfill runs. Returns the
    range covered at the end, or ``None`` when there is nothing to summarise.
    """
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    end = min(end or yesterday, yesterday)
    start = start or _first_day()
    if start is None:
        return None
    if end < start:
        return None
    last = end
    while last >= start:
        first_day = max(start, last - datetime.timedelta(days=chunk_days - 1))
        rows = supervision_summary_refresh(start=first_day, end=last)
        if progress:
            progress(first_day, last, rows)
        last = first_day - datetime.timedelta(days=1)
    state = SupervisionSummaryState.objects.get()
    return state.covered_from, state.covered_to


# A read of the summary tables changes only when a refresh rewrites them: kept in the cache
# until then (a day at most). Bump the version when what such a read returns changes shape.
CACHE_VERSION = 1
CACHE_SECONDS = 24 * 3600


def cached_read(
    state: SupervisionSummaryState | None, what: str, scope: Scope, read: Callable[[], object]
):
    """``read()``, a read of the summary tables for ``scope``, from the cache when an earlier
    read since the last refresh put it there.

    The key carries the state's row and its ``refreshed_at``, which every refresh moves in the
    transaction that rewrites the rows: a request that sees the new rows sees the new key.
    """
    if state is None:
        return read()
    key = ":".join(
        str(part)
        for part in (
            "supervision-summary",
            CACHE_VERSION,
            state.pk,
            state.refreshed_at.timestamp(),
            what,
            scope.start,
            scope.end,
            scope.department_id,
            scope.board_id,
            scope.matter_id,
            scope.hall_id,
        )
    )
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _summary_grains(scope: Scope) -> dict[tuple, Figures]:
    """The summarised figures of ``scope`` per grain (one query): without a filter from the
    rows summed over part of the grain (keys with ``ALL``), else from the full grain."""
    if scope.case_filter():
        rows = SupervisionDaily.objects.filter(
            scope.case_filter(), day__gte=scope.start, day__lte=scope.end
        ).values(*GRAIN)
    else:
        rows = SupervisionRollupDaily.objects.filter(_rollup_days(scope.start, scope.end)).values(
            "per_hall", *GRAIN
        )
    grains = {}
    for row in rows.annotate(**{name: Sum(name) for name in SUMMED}).order_by():
        key = tuple(row[name] for name in GRAIN)
        if "per_hall" in row:
            key = (key[0], ALL, ALL, ALL) if row["per_hall"] else (ALL, *key[1:])
        grains[key] = Figures(**{name: row[name] for name in SUMMED})
    return grains


def summarised_figures(
    scope: Scope, state: SupervisionSummaryState | None
) -> Iterator[tuple[Scope, dict[tuple, Figures] | None]]:
    """Split ``scope`` into at most three parts: before, inside and after the summary.

    Yields ``(part, grains)`` for the summarised part and ``(part, None)`` for the parts to be
    read from the cases: a constant number of queries whatever the range.
    """
    for part, summarised in summary_parts(scope, state):
        if not summarised:
            yield part, None
            continue
        yield part, cached_read(state, "grains", part, lambda part=part: _summary_grains(part))


def summary_parts(
    scope: Scope, state: SupervisionSummaryState | None
) -> Iterator[tuple[Scope, bool]]:
    """``scope`` in at most three parts, before, inside and after the days the summary covers,
    each with whether it is summarised."""
    if state is None or scope.end < state.covered_from or scope.start > state.covered_to:
        yield scope, False
        return
    one = datetime.timedelta(days=1)
    if scope.start < state.covered_from:
        yield _part(scope, scope.start, state.covered_from - one), False
    yield _part(scope, max(scope.start, state.covered_from), min(scope.end, state.covered_to)), True
    if scope.end > state.covered_to:
        yield _part(scope, state.covered_to + one, scope.end), False


def _part(scope: Scope, start: datetime.date, end: datetime.date) -> Scope:
    return dataclasses.replace(scope, start=start, end=end)
