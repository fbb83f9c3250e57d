"""Case numbers: the day and its sequence, ``20261122-00042``, unique under concurrency."""

import datetime

from django.db import connection

from ..models import CaseSequence


def next_case_number(day: datetime.date) -> str:
    """Hand out the next number of ``day`` (one atomic upsert; no two callers get the same)."""
    table = CaseSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (sequence,) = cursor.fetchone()
    return f"{day:%Y%m%d}-{sequence:05d}"
