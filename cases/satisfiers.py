"""Materials the applicant need not bring because they already hold them (无证明办理).

``cases`` does not know where such holdings live; apps above it (documents: e-licences)
register a function ``fn(case) -> set[material_type_id]`` at start-up, and ``case_create``
marks those materials ``satisfied_by_licence``.
"""

from collections.abc import Callable

from .models import Case

Satisfier = Callable[[Case], set[int]]
_satisfiers: list[Satisfier] = []


def register(satisfier: Satisfier) -> None:
    """Add a lookup of materials satisfied by what the applicant holds (idempotent)."""
    if satisfier not in _satisfiers:
        _satisfiers.append(satisfier)


def satisfied_material_types(case: Case) -> set[int]:
    """Material type ids of ``case`` satisfied by something the applicant already holds."""
    found: set[int] = set()
    for satisfier in _satisfiers:
        found |= satisfier(case)
    return found
