"""The counters a case keeps on its row for the lists (``Case.trip_count``, ``materials_in``).

Each is changed by an ``F()`` update in the transaction of the step that changes what it
counts, so it always equals a recount (``tests/cases/test_list_counters.py``). ``Case.save()``
never writes them; an instance passed in is kept in step. The update goes with the
transaction's next statement (``accounts.carried``): nobody reads its answer.
"""

from django.db.models import F

from accounts.compiled import update_later

from .models import IN_HAND, Case


def _add(case: Case | int, field: str, delta: int) -> None:
    if not delta:
        return
    case_id = case if isinstance(case, int) else case.pk
    update_later(Case.objects.filter(pk=case_id), **{field: F(field) + delta})
    if isinstance(case, Case):
        setattr(case, field, getattr(case, field) + delta)


def trip_counted(case: Case | int) -> None:
    """A visit to the hall was recorded for the case."""
    _add(case, "trip_count", 1)


def materials_in_added(case: Case | int, delta: int) -> None:
    """``delta`` materials of the case came in hand (negative: went out of hand)."""
    _add(case, "materials_in", delta)


def material_status_changed(case: Case | int, before: str, after: str) -> None:
    """A material of the case went from status ``before`` to ``after``."""
    materials_in_added(case, int(after in IN_HAND) - int(before in IN_HAND))
