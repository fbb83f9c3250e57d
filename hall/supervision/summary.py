"""The daily summary behind the dashboard on a big hall: refresh and read.

Closed days (before today) are summarised per day and grain; the dashboard adds those rows up
and reads only the days outside the summarised range (today, as a rule) from the cases. The
refresh rebuilds whole days, so it is safe to run twice. A decided case's trips can still grow
after its decision day (collecting the result); the nightly refresh therefore rebuilds the last
``REFRESH_DAYS`` days, which keeps closed days exact as long as results are collected within
that time.
"""

import datetime
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from hall.models import SupervisionDaily, SupervisionSummaryState

from .selectors import Figures, Scope, collect

REFRESH_DAYS = 60
SUMMED = [
    name for name in Figures.__dataclass_fields__ if name not in ("key", "label", "open_followups")
]


@transaction.atomic
def supervision_summary_refresh(*, start: datetime.date, end: datetime.date) -> int:
    """Rebuild the summary of the closed days ``start``..``end``; return the rows written.

    Idempotent. Days from today on are never summarised: they are still changing.
    """
    end = min(end, timezone.localdate() - datetime.timedelta(days=1))
    if end < start:
        return 0
    state = SupervisionSummaryState.objects.select_for_update(of=("self",)).first()
    if state and (
        start > state.covered_to + datetime.timedelta(days=1)
        or end < state.covered_from - datetime.timedelta(days=1)
    ):
        # Not adjacent to what is covered: start the covered range afresh.
        SupervisionDaily.objects.all().delete()
        state.delete()
        state = None
    SupervisionDaily.objects.filter(day__gte=start, day__lte=end).delete()
    rows = [
        SupervisionDaily(
            day=day,
            lead_department_id=department_id,
            matter_id=matter_id,
            bundle_id=bundle_id,
            **{name: getattr(figures, name) for name in SUMMED},
        )
        for (day, department_id, matter_id, bundle_id), figures in collect(
            Scope(start=start, end=end), by_day=True
        ).items()
    ]
    SupervisionDaily.objects.bulk_create(rows, batch_size=5000)
    if state is None:
        SupervisionSummaryState.objects.create(covered_from=start, covered_to=end)
    else:
        state.covered_from = min(state.covered_from, start)
        state.covered_to = max(state.covered_to, end)
        state.save()
    return len(rows)


def supervision_summary_refresh_recent(*, today: datetime.date | None = None) -> int:
    """The nightly refresh (Celery beat): rebuild the last ``REFRESH_DAYS`` closed days."""
    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    state = SupervisionSummaryState.objects.first()
    start = yesterday - datetime.timedelta(days=REFRESH_DAYS - 1)
    if state is not None:
        # Close any gap since the last run as well.
        start = min(start, state.covered_to + datetime.timedelta(days=1))
        start = max(start, state.covered_from)
    return supervision_summary_refresh(start=start, end=yesterday)


def _summary_grains(scope: Scope) -> dict[tuple, Figures]:
    rows = (
        SupervisionDaily.objects.filter(
            scope.case_filter(), day__gte=scope.start, day__lte=scope.end
        )
        .values("lead_department_id", "matter_id", "bundle_id")
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    )
    return {
        (row["lead_department_id"], row["matter_id"], row["bundle_id"]): Figures(
            **{name: row[name] for name in SUMMED}
        )
        for row in rows
    }


def summarised_figures(scope: Scope) -> Iterator[tuple[Scope, dict[tuple, Figures] | None]]:
    """Split ``scope`` into at most three parts: before, inside and after the summary.

    Yields ``(part, grains)`` for the summarised part and ``(part, None)`` for the parts to be
    read from the cases: a constant number of queries whatever the range.
    """
    state = SupervisionSummaryState.objects.first()
    if state is None or scope.end < state.covered_from or scope.start > state.covered_to:
        yield scope, None
        return
    one = datetime.timedelta(days=1)
    if scope.start < state.covered_from:
        yield _part(scope, scope.start, state.covered_from - one), None
    inside = _part(scope, max(scope.start, state.covered_from), min(scope.end, state.covered_to))
    yield inside, _summary_grains(inside)
    if scope.end > state.covered_to:
        yield _part(scope, state.covered_to + one, scope.end), None


def _part(scope: Scope, start: datetime.date, end: datetime.date) -> Scope:
    return Scope(
        start=start,
        end=end,
        department_id=scope.department_id,
        board_id=scope.board_id,
        matter_id=scope.matter_id,
    )
