"""The working-day calendar: Chinese holidays, adjusted workdays, years not yet entered."""

import datetime as dt

import pytest

from matters.calendar import (
    add_working_days,
    calendar_sync_from_package,
    is_working_day,
    missing_years,
    working_days_between,
    working_days_since,
)
from matters.models import CalendarDay, CalendarDayKind, CalendarYear

pytestmark = pytest.mark.django_db

D = dt.date


def test_spring_festival_2026_is_off_and_its_saturdays_are_worked():
    # 2026: 15-23 February off; Saturdays 14 and 28 February are adjusted workdays.
    assert not is_working_day(D(2026, 2, 16))
    assert not is_working_day(D(2026, 2, 23))
    assert is_working_day(D(2026, 2, 14))
    assert is_working_day(D(2026, 2, 28))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_national_day_2026():
    # 1-7 October off; Sunday 20 September and Saturday 10 October are worked.
    assert all(not is_working_day(D(2026, 10, day)) for day in range(1, 8))
    assert is_working_day(D(2026, 9, 20))
    assert is_working_day(D(2026, 10, 10))
    # Five working days from 30 September: 8, 9, 10 (Sat, worked), 12, 13 October.
    assert add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)


def test_counting_starts_the_day_after():
    monday = D(2026, 3, 2)
    assert add_working_days(monday, 0) == monday
    assert add_working_days(monday, 1) == D(2026, 3, 3)
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday → Monday


def test_working_days_between_is_the_inverse_of_add():
    start = D(2026, 9, 25)
    for days in (1, 5, 12, 30):
        end = add_working_days(start, days)
        assert working_days_between(start, end) == days
    assert working_days_between(D(2026, 10, 13), D(2026, 9, 30)) == -5


def test_deadline_running_into_2027_uses_weekends_until_entered():
    assert missing_years([2026, 2027]) == [2027]
    # 24 December 2026 (Thursday) + 10 working days, weekends only in 2027: 8 January 2027.
    assert add_working_days(D(2026, 12, 24), 10) == D(2027, 1, 7)
    # An administrator enters New Year's Day 2027 as a holiday: the deadline moves a day.
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    assert add_working_days(D(2026, 12, 24), 10) == D(2027, 1, 8)
    CalendarYear.objects.create(year=2027)
    assert missing_years([2026, 2027]) == []


def test_administrator_entered_workday_counts():
    saturday = D(2027, 2, 6)
    assert not is_working_day(saturday)
    CalendarDay.objects.create(date=saturday, kind=CalendarDayKind.WORKDAY, name="春节")
    assert is_working_day(saturday)


def test_sync_from_package_is_idempotent_and_keeps_admin_edits():
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    day.name = "国庆"
    day.save()
    count = CalendarDay.objects.count()
    assert calendar_sync_from_package() == 0
    assert CalendarDay.objects.count() == count
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆"


def test_add_working_days_uses_one_query_for_an_ordinary_limit(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2026, 5, 1), 60)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 5, 1), -1)


def test_working_days_since_many_days_in_one_query(django_assert_num_queries):
    today = D(2026, 10, 13)
    days = [D(2026, 9, 30), D(2026, 10, 8), today]
    with django_assert_num_queries(1):
        counts = working_days_since(days, today)
    assert counts == {day: working_days_between(day, today) for day in days}
    assert counts[D(2026, 9, 30)] == 5
