"""The case's clock: committed working days from the day after acceptance, stopped while the
case waits for the applicant or a special procedure runs, plus any granted extension."""

import datetime
import math

from matters.calendar import (
    add_working_days,
    calendar_overrides_from,
    is_working,
    is_working_day,
    working_days_between,
)

from ..models import Case

GREEN, YELLOW, RED = "green", "yellow", "red"
# Yellow once this share of the time limit is used.
YELLOW_SHARE = 0.8
# Calendar days read at once for a deadline; a longer limit reads on (``add_working_days``).
_SPAN_DAYS = 366


class WorkingDays:
    """The working days of the year after ``day``, read from the calendar once, when first
    asked (a deadline, a due date: one query for both), and walked only as far as asked."""

    def __init__(self, day: datetime.date) -> None:
        self.day = day
        self._overrides: dict[datetime.date, str] | None = None
        self._end = day + datetime.timedelta(days=_SPAN_DAYS + 1)
        self._days: list[datetime.date] = []  # the working days walked so far, in order
        self._walked = day

    def _read(self) -> dict[datetime.date, str]:
        if self._overrides is None:
            self._overrides = calendar_overrides_from(self.day + datetime.timedelta(days=1))
        return self._overrides

    def after(self, count: int) -> datetime.date:
        """The day ``count`` working days after ``day`` (``day`` itself for 0)."""
        if count == 0:
            return self.day
        overrides = self._read()
        while len(self._days) < count and self._walked < self._end:
            self._walked += datetime.timedelta(days=1)
            if is_working(self._walked, overrides):
                self._days.append(self._walked)
        if count <= len(self._days):
            return self._days[count - 1]
        return add_working_days(self.day, count)

    def includes(self, day: datetime.date) -> bool:
        """Whether ``day`` is a working day."""
        if self.day < day <= self._end:
            return is_working(day, self._read())
        return is_working_day(day)


def deadline_dates(
    accepted_on: datetime.date,
    total_days: int,
    stopped_days: int = 0,
    *,
    working: WorkingDays | None = None,
) -> tuple[datetime.date, datetime.date]:
    """The deadline and the day the yellow warning starts, for a limit in working days.

    Both from one read of the calendar (``working``: that read, when the caller has it).
    """
    if working is None or working.day != accepted_on:
        working = WorkingDays(accepted_on)
    deadline = working.after(total_days + stopped_days)
    warning_on = working.after(math.ceil(YELLOW_SHARE * total_days) + stopped_days)
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
