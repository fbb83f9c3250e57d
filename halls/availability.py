"""Where a matter can be taken in: every hall (全市通办), halls of a level and up (就近办), or
named halls only. The rule lives here; the catalog says which applies to a matter."""

from django.db.models import Exists, OuterRef, Q

from matters.models import IntakeScope, Matter

from .models import LEVEL_ORDER, Hall


def levels_at_or_below(level: str) -> list[str]:
    """The levels whose "and up" includes ``level``: a town hall takes in matters open from
    the town or the village level."""
    index = LEVEL_ORDER.index(level)
    return [str(value) for value in LEVEL_ORDER[index:]]


def matters_taken_in_at(hall: Hall) -> Q:
    """A condition on matters: those ``hall`` may take in (a semi-join: no duplicate rows)."""
    named = Matter.intake_halls.through.objects.filter(matter=OuterRef("pk"), hall=hall)
    return (
        Q(intake_scope=IntakeScope.ALL)
        | Q(intake_scope=IntakeScope.LEVELS, intake_min_level__in=levels_at_or_below(hall.level))
        | Q(Exists(named), intake_scope=IntakeScope.NAMED)
    )


def may_take_in(matter: Matter, hall: Hall) -> bool:
    """Whether ``hall`` may take in ``matter`` (reads the named halls only when it must)."""
    if matter.intake_scope == IntakeScope.ALL:
        return True
    if matter.intake_scope == IntakeScope.LEVELS:
        return (matter.intake_min_level or LEVEL_ORDER[0]) in levels_at_or_below(hall.level)
    return matter.intake_halls.filter(pk=hall.pk).exists()
