"""The case's clock: committed working days from the day after acceptance, stopped while the
case waits for the applicant or a special procedure runs, plus any granted extension."""

import datetime
import math

from matters.calendar import add_working_days, working_days_between, working_days_in

from ..models import Case

GREEN, YELLOW, RED = "green", "yellow", "red"
# Yellow once this share of the time limit is used.
YELLOW_SHARE = 0.8
# Calendar days read at once for a deadline; a longer limit reads on (``add_working_days``).
_SPAN_DAYS = 366


def deadline_dates(
    accepted_on: datetime.date, total_days: int, stopped_days: int = 0
) -> tuple[datetime.date, datetime.date]:
    """The deadline and the day the yellow warning starts, for a limit in working days.

    Both from one read of the calendar (the working days of the year after acceptance).
    """
    counts = (total_days + stopped_days, math.ceil(YELLOW_SHARE * total_days) + stopped_days)
    start = accepted_on + datetime.timedelta(days=1)
    working = working_days_in(start, start + datetime.timedelta(days=_SPAN_DAYS))
    deadline, warning_on = (
        (working[days - 1] if days else accepted_on)
        if days <= len(working)
        else add_working_days(accepted_on, days)
        for days in counts
    )
    return deadline, warning_on


def refresh_deadline(case: Case) -> None:
    """Recompute ``deadline`` and ``warning_on`` from acceptance, stops and extensions."""
    if case.accepted_on is None:
        return
    case.deadline, case.warning_on = deadline_dates(
        case.accepted_on, case.committed_days + case.extension_days, case.stopped_days
    )


def stop_clock(case: Case, on: datetime.date) -> None:
    """Stop the clock (no-op when already stopped or not yet started)."""
    if case.clock_stopped_on is None and case.accepted_on is not None:
        case.clock_stopped_on = on


def resume_clock(case: Case, on: datetime.date) -> None:
    """Restart the clock, adding the stopped working days to the limit."""
    if case.clock_stopped_on is None:
        return
    case.stopped_days += max(0, working_days_between(case.clock_stopped_on, on))
    case.clock_stopped_on = None
    refresh_deadline(case)


def deadline_colour(
    deadline: datetime.date | None,
    warning_on: datetime.date | None,
    today: datetime.date,
    *,
    stopped: bool = False,
) -> str | None:
    """Green, yellow (80% of the limit used) or red (overdue); ``None`` before acceptance.

    Dates only, so a list can colour every row without a query.
    """
    if deadline is None:
        return None
    if today > deadline and not stopped:
        return RED
    if warning_on is not None and today >= warning_on and not stopped:
        return YELLOW
    return GREEN
