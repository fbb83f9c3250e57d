"""The hall's working-day calendar: weekends, public holidays and adjusted workdays (调休).

Holidays and adjusted workdays live in ``CalendarDay`` (seeded from the ``chinesecalendar``
package for the years it covers, editable in the admin). A year with no ``CalendarYear`` row
falls back to plain weekends plus whatever days administrators entered, and the admin warns
until it is entered.

Time limits count from the day after the start: ``add_working_days(start, 1)`` is the first
working day after ``start``.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction

from accounts.compiled import rows_by

from .models import CalendarDay, CalendarDayKind, CalendarYear

# Overrides are fetched per window of days; a window large enough for any legal limit
# (the longest are a few months) keeps most calls to one query.
_WINDOW_DAYS = 400


def calendar_overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """The holidays and adjusted workdays of ``[start, end]``: day → kind (one query)."""
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
    return dict(rows)


def calendar_overrides_from(start: datetime.date) -> dict[datetime.date, str]:
    """The holidays and adjusted workdays from ``start`` on: day → kind. Every acceptance
    reads them (its deadline): the statement is compiled once per process. The table holds a
    few dozen days a year, entered a year or so ahead."""
    rows = rows_by("calendar_from", CalendarDay.objects.order_by, "date__gte", start)
    return {row.date: row.kind for row in rows}


def is_working(day: datetime.date, overrides: dict[datetime.date, str]) -> bool:
    """Whether the hall works on ``day``, given the overrides of a span that holds it."""
    kind = overrides.get(day)
    if kind == CalendarDayKind.HOLIDAY:
        return False
    if kind == CalendarDayKind.WORKDAY:
        return True
    return day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    """Whether the hall works on ``day``."""
    return is_working(day, calendar_overrides(day, day))


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date on which ``days`` working days after ``start`` have passed.

    Counting starts the day after ``start``; with ``days == 0`` the answer is ``start``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    window_end = start
    overrides: dict[datetime.date, str] = {}
    while remaining:
        day += datetime.timedelta(days=1)
        if day > window_end:
            window_end = day + datetime.timedelta(days=_WINDOW_DAYS)
            overrides = calendar_overrides(day, window_end)
        if is_working(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    overrides = calendar_overrides(start, end)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working(day, overrides):
            count += 1
    return count


def working_days_in(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The working days of ``[start, end]``, with one query."""
    overrides = calendar_overrides(start, end)
    days = (start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if is_working(day, overrides)]


def working_days_since(
    days: Iterable[datetime.date], today: datetime.date
) -> dict[datetime.date, int]:
    """Working days in ``(day, today]`` for each of ``days``, with one query for them all."""
    wanted = sorted(set(days), reverse=True)
    if not wanted:
        return {}
    overrides = calendar_overrides(min(wanted), today)
    counts: dict[datetime.date, int] = {}
    running = 0
    day = today
    # Walk back from today: each day's count is the running total when the walk reaches it.
    for target in wanted:
        while day > target:
            if is_working(day, overrides):
                running += 1
            day -= datetime.timedelta(days=1)
        counts[target] = running
    return counts


def missing_years(years: Iterable[int]) -> list[int]:
    """Those of ``years`` whose calendar has not been entered in full."""
    wanted = set(years)
    entered = set(
        CalendarYear.objects.filter(year__in=wanted, complete=True).values_list("year", flat=True)
    )
    return sorted(wanted - entered)


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_calendar() -> tuple[dict[datetime.date, tuple[str, str]], set[int]]:
    """Holidays and adjusted workdays known to ``chinesecalendar``, and the years it covers."""
    from chinese_calendar import constants

    days: dict[datetime.date, tuple[str, str]] = {}
    for day, holiday in constants.holidays.items():
        if day.weekday() < 5:
            days[day] = (CalendarDayKind.HOLIDAY, HOLIDAY_NAMES.get(holiday, holiday))
    for day, holiday in constants.workdays.items():
        if day.weekday() >= 5:
            days[day] = (CalendarDayKind.WORKDAY, HOLIDAY_NAMES.get(holiday, holiday))
    years = {day.year for day in constants.holidays}
    return days, years


@transaction.atomic
def calendar_sync_from_package(*, overwrite: bool = False) -> int:
    """Load the package's holidays and adjusted workdays; return how many days were added.

    Idempotent. Days an administrator already entered are kept unless ``overwrite``.
    """
    days, years = package_calendar()
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    to_create = [
        CalendarDay(date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(days.items())
        if day not in existing
    ]
    CalendarDay.objects.bulk_create(to_create)
    if overwrite:
        for day, (kind, name) in days.items():
            if day in existing:
                CalendarDay.objects.filter(date=day).update(kind=kind, name=name)
    for year in years:
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "chinesecalendar"})
    return len(to_create)
