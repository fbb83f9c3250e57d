"""Trips: each in-person visit tied to a case, at most one a day."""

import datetime

from django.db import connection

from accounts.models import User

from ..counters import trip_counted
from ..models import Case, Visit


def visit_record(*, case: Case, by: User | None, kind: str, on: datetime.date) -> bool:
    """Record the applicant's trip to the hall for ``case`` on ``on`` (once per day); whether
    this call recorded it.

    One statement: the day's row is inserted unless it exists (``visit_one_per_case_per_day``),
    where ``get_or_create`` took four (SELECT, SAVEPOINT, INSERT, RELEASE).
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Visit._meta.db_table)} (case_id, date, kind, clerk_id) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (case_id, date) DO NOTHING RETURNING id",
            [case.pk, on, kind, by.pk if by is not None else None],
        )
        created = cursor.fetchone() is not None
    if created:
        trip_counted(case)
    return created
