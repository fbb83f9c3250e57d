"""Trips: each in-person visit tied to a case, at most one a day."""

import datetime

from accounts.models import User

from ..counters import trip_counted
from ..models import Case, Visit


def visit_record(*, case: Case, by: User | None, kind: str, on: datetime.date) -> Visit:
    """Record the applicant's trip to the hall for ``case`` on ``on`` (once per day)."""
    visit, _created = Visit.objects.get_or_create(
        case=case, date=on, defaults={"kind": kind, "clerk": by}
    )
    if _created:
        trip_counted(case)
    return visit
