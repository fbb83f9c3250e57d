"""Trips: each in-person visit tied to a case, at most one a day."""

import datetime

from django.db import connection

from accounts.models import User

from ..counters import trip_counted
from ..models import Case, Visit

_INSERT = (
    "INSERT INTO {visit} (case_id, date, kind, clerk_id) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (case_id, date) DO NOTHING RETURNING id"
)
# PostgreSQL: the visit and the case's trip counter in one statement; the counter moves only
# when the row was inserted.
_INSERT_AND_COUNT = (
    "WITH visit AS (" + _INSERT + ") "
    "UPDATE {case} SET trip_count = trip_count + 1 "
    "WHERE id = %s AND EXISTS (SELECT 1 FROM visit) RETURNING trip_count"
)


def visit_record(*, case: Case, by: User | None, kind: str, on: datetime.date) -> bool:
    """Record the applicant's trip to the hall for ``case`` on ``on`` (once per day) and count
    it on the case (``Case.trip_count``); whether this call recorded it.

    The day's row is inserted unless it exists (``visit_one_per_case_per_day``), where
    ``get_or_create`` took four statements (SELECT, SAVEPOINT, INSERT, RELEASE).
    """
    quote = connection.ops.quote_name
    tables = {"visit": quote(Visit._meta.db_table), "case": quote(Case._meta.db_table)}
    values = [case.pk, on, kind, by.pk if by is not None else None]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_INSERT_AND_COUNT.format(**tables), [*values, case.pk])
            counted = cursor.fetchone()
            if counted is not None:
                case.trip_count = counted[0]
            return counted is not None
        cursor.execute(_INSERT.format(**tables), values)
        created = cursor.fetchone() is not None
    if created:
        trip_counted(case)
    return created
