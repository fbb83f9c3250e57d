"""Materials the applicant need not bring because they already hold them (无证明办理).

``cases`` does not know where such holdings live; apps above it (documents: e-licences)
register a function ``fn(case) -> set[material_type_id]`` at start-up, and ``case_create``
marks those materials ``satisfied_by_licence``. A holding can lapse afterwards (a licence
revoked, expired or failing its signature), so submission and acceptance ask again
(``satisfied_materials_recheck``).

After the licences, apps above ``cases`` may fill more materials when a case is created
(``register_filler``): the materials locker (``satisfied_by_locker``) and the data exchange
(``satisfied_by_data``). A filler gets the case, its materials still ``missing`` (to change in
place and save itself, keeping ``materials_in`` with ``material_status_changed``) and the
``CreateContext``; fillers run in registration order, each seeing what the earlier left.
What a filler filled can lapse too: ``register_rechecker`` adds a check that
``satisfied_materials_recheck`` runs at submission and acceptance after the licences'.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .counters import material_status_changed
from .models import Case, CaseMaterial, MaterialStatus

Satisfier = Callable[[Case], set[int]]
_satisfiers: list[Satisfier] = []


@dataclass(frozen=True)
class CreateContext:
    """What a filler may need to know about the filing."""

    by: object  # the user who files (applicant, agent, clerk or helper)
    # The applicant agreed to lookups of their data (online: ``consent: true``; at the
    # window: the clerk recorded it). Without it no exchange lookup runs.
    consent: bool = False
    # What the preparers returned before the case's transaction, by preparer name.
    prepared: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Filing:
    """A filing about to be created, as a preparer sees it (no case, no number yet)."""

    by: object
    consent: bool
    applicant_kind: str
    applicant_identity: str
    applicant_name: str
    title: str  # the matter's or bundle's name
    material_type_ids: tuple[int, ...]
    lead_department: object
    hall: object  # the hall that takes the filing in, or None online


Preparer = Callable[[Filing], object]
_preparers: dict[str, Preparer] = {}


def register_preparer(name: str, preparer: Preparer) -> None:
    """Add a step that runs BEFORE the case's transaction (no lock held, no number taken):
    slow calls to other systems go here; its result reaches the fillers as
    ``context.prepared[name]``."""
    _preparers[name] = preparer


def prepare_fillers(filing: Filing) -> dict:
    """Run the preparers (outside any lock of the case's creation)."""
    return {name: preparer(filing) for name, preparer in _preparers.items()}


Filler = Callable[[Case, list[CaseMaterial], CreateContext], None]
_fillers: list[Filler] = []


def register_filler(filler: Filler) -> None:
    """Add a step that satisfies materials when a case is created (idempotent)."""
    if filler not in _fillers:
        _fillers.append(filler)


def fill_materials_on_create(case: Case, context: CreateContext) -> None:
    """Run the registered fillers over the materials still missing, in order (one read:
    a filler changes the status of what it fills on the instances it was given)."""
    if not _fillers:
        return
    materials = list(case.materials.select_related("material_type", "requirement"))
    for filler in _fillers:
        missing = [
            material
            for material in materials
            if material.status == MaterialStatus.MISSING and not material.provided_for_applicant
        ]
        if not missing:
            return
        filler(case, missing, context)


# Apps that fill materials (the locker) ask again at submission and acceptance whether what
# they filled still counts: ``fn(case, materials) -> lapsed`` marks the lapsed ones missing
# (with a reason, keeping ``materials_in``) in place and returns them.
Rechecker = Callable[[Case, list[CaseMaterial]], list[CaseMaterial]]
_recheckers: list[Rechecker] = []


def register_rechecker(rechecker: Rechecker) -> None:
    """Add a check of filled materials at submission and acceptance (idempotent)."""
    if rechecker not in _recheckers:
        _recheckers.append(rechecker)


# Apps that fill materials from what the applicant holds (the locker, shared data) undo it when
# a draft's applicant changes (kind + ID number or credit code): ``fn(case)``, called by
# ``case_update_details`` in its transaction, after the case is saved with the new applicant.
IdentityChange = Callable[[Case], None]
_identity_changes: list[IdentityChange] = []


def register_identity_change(fn: IdentityChange) -> None:
    """Add a step run when a draft's applicant identity changes (idempotent)."""
    if fn not in _identity_changes:
        _identity_changes.append(fn)


def identity_changed(case: Case) -> None:
    """The draft's applicant is another person now: run the registered steps, in order."""
    for fn in _identity_changes:
        fn(case)


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


def satisfied_materials_recheck(
    *, case: Case, materials: list[CaseMaterial] | None = None
) -> list[CaseMaterial]:
    """Mark missing again the materials whose holding no longer counts; return them.

    Call with the case locked, inside the transaction of the step that relies on them;
    ``materials``: the case's materials when the caller has read them (changed in place).
    """
    if materials is None:
        materials = list(case.materials.select_related("material_type"))
    lapsed = _licences_recheck(case, materials)
    for rechecker in _recheckers:
        lapsed += rechecker(case, materials)
    return lapsed


def _licences_recheck(case: Case, materials: list[CaseMaterial]) -> list[CaseMaterial]:
    marked = [
        material for material in materials if material.status == MaterialStatus.SATISFIED_BY_LICENCE
    ]
    if not marked:
        return []
    still_held = satisfied_material_types(case)
    lapsed = [material for material in marked if material.material_type_id not in still_held]
    for material in lapsed:
        material_status_changed(case, material.status, MaterialStatus.MISSING)
        material.status = MaterialStatus.MISSING
        material.reason = _("所持电子证照已失效（撤销、过期或核验未通过），请提交该材料")
        material.save(update_fields=["status", "reason"])
    return lapsed
