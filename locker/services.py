"""The materials locker's operations: filling it at acceptance, taking from it at filing,
checking again at submission and acceptance, and the person's removal of an item."""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.access import account_identity, is_clerk, is_own_identity
from cases.counters import materials_in_added
from cases.models import Case, CaseMaterial, MaterialFile, MaterialStatus
from cases.satisfiers import CreateContext
from cases.selectors import handed_materials

from .exceptions import LockerItemNotFoundError
from .models import LockerItem

# Verified at the window and taken in: what the locker keeps.
VERIFIED = (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED)


def _identity(case: Case) -> tuple[str, str]:
    return case.applicant_kind, (case.applicant_identity or "").upper()


def locker_take_in(
    *,
    case: Case,
    by: User | None,
    expiries: dict[str, str] | None = None,
    unchecked: Iterable[int] = (),
) -> list[LockerItem]:
    """Keep in the applicant's locker every material the window verified for this case (at
    its acceptance, in that transaction): those a clerk checked (``unchecked``: the ids of
    uploads the acceptance took in without a check, never kept), with an electronic copy (a
    paper-only check gives a later case's reviewers nothing to read), of a type the catalog
    keeps (``locker_valid_days`` > 0), valid for those days from the verification or until the
    document's own expiry the clerk recorded (``expiries``: material type id → ISO date),
    whichever comes first. A newer verification replaces the current item of that material.
    Deemed acceptance (``by=None``) verified nothing: nothing is kept.
    Four statements whatever the number of materials.
    """
    expiries = expiries or {}
    unchecked = set(unchecked)
    if by is None or not case.applicant_identity:
        return []
    handed = handed_materials(case)
    if handed is not None and not any(_may_keep(m, unchecked) for m in handed):
        return []  # the acceptance's own materials say so: nothing to read
    materials = list(
        CaseMaterial.objects.filter(
            case=case,
            status__in=VERIFIED,
            taken_in_at__isnull=False,
            material_type__locker_valid_days__gt=0,
        )
        .filter(Exists(MaterialFile.objects.filter(material_id=OuterRef("pk"))))
        .exclude(pk__in=list(unchecked))
        .select_related("material_type")
    )
    if not materials:
        return []
    kind, identity = _identity(case)
    _lock_identity(kind, identity)
    now = timezone.now()
    LockerItem.objects.current().of_identity(kind, identity).filter(
        material_type_id__in={m.material_type_id for m in materials}
    ).update(replaced_at=now)
    items = [
        LockerItem(
            identity_kind=kind,
            identity=identity,
            material_type=material.material_type,
            source_case=case,
            source_material=material,
            hall_id=case.hall_id,
            verified_at=material.taken_in_at,
            verified_by=by,
            valid_until=_valid_until(material, expiries.get(str(material.material_type_id))),
        )
        for material in materials
    ]
    return LockerItem.objects.bulk_create(items)


def _may_keep(material: CaseMaterial, unchecked: Iterable[int]) -> bool:
    """Whether the locker may keep this material, as far as its row tells (its files are
    read with the materials that pass)."""
    return (
        material.status in VERIFIED
        and material.taken_in_at is not None
        and material.material_type.locker_valid_days > 0
        and material.pk not in unchecked
    )


def _lock_identity(kind: str, identity: str) -> None:
    """Serialise the acceptances of one person's cases until commit: the second waits, then
    replaces what the first kept (else both would insert a current item of one material)."""
    if connection.vendor != "postgresql":
        return  # SQLite (``make run``) writes one transaction at a time anyway.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"locker:{kind}:{identity}"])


def _valid_until(material: CaseMaterial, expiry: str | None) -> datetime.date:
    kept = timezone.localdate(material.taken_in_at) + datetime.timedelta(
        days=material.material_type.locker_valid_days
    )
    return min(kept, datetime.date.fromisoformat(expiry)) if expiry else kept


def _may_take_from_locker(case: Case, by) -> bool:
    """The locker serves the applicant's own account, and the clerk with the applicant at the
    window; never a declared agent or a helper before the applicant confirmed them (they
    would see the applicant's files)."""
    if is_clerk(by):
        return True
    return is_own_identity(by, case.applicant_kind, case.applicant_identity)


def locker_fill(case: Case, missing: list[CaseMaterial], context: CreateContext) -> None:
    """At filing (``cases.satisfiers`` filler): each missing material of which the applicant's
    locker holds a usable item is ``satisfied_by_locker``, reused from the verified material
    with its files. Four statements at most whatever the number of materials."""
    if not case.applicant_identity or not _may_take_from_locker(case, context.by):
        return
    wanted = {
        material.material_type_id: material
        for material in missing
        if material.material_type.locker_valid_days > 0
    }
    if not wanted:
        return
    kind, identity = _identity(case)
    items = {
        item.material_type_id: item
        for item in LockerItem.objects.usable()
        .of_identity(kind, identity)
        .filter(material_type_id__in=wanted)
        .only("material_type_id", "source_material_id")
    }
    if not items:
        return
    filled = []
    for type_id, item in items.items():
        material = wanted[type_id]
        material.status = MaterialStatus.SATISFIED_BY_LOCKER
        material.reused_from_id = item.source_material_id
        filled.append(material)
    CaseMaterial.objects.bulk_update(filled, ["status", "reused_from"])
    materials_in_added(case, len(filled))
    target = {material.reused_from_id: material for material in filled}
    MaterialFile.objects.bulk_create(
        MaterialFile(
            material=target[stored.material_id],
            file=stored.file.name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            uploaded_by_id=stored.uploaded_by_id,
        )
        for stored in MaterialFile.objects.filter(material_id__in=target).order_by(
            "uploaded_at", "id"
        )
    )


def locker_recheck(case: Case, materials: list[CaseMaterial]) -> list[CaseMaterial]:
    """At submission and acceptance (``cases.satisfiers`` rechecker): a material taken from
    the locker counts only while its item does (not removed, not expired, the applicant's
    own); else it is missing again, with the reason, and its reused files go."""
    marked = [m for m in materials if m.status == MaterialStatus.SATISFIED_BY_LOCKER]
    if not marked:
        return []
    kind, identity = _identity(case)
    standing = set(
        LockerItem.objects.of_identity(kind, identity)
        .sound()
        .filter(
            source_material_id__in={m.reused_from_id for m in marked if m.reused_from_id},
            withdrawn_at__isnull=True,
            valid_until__gte=timezone.localdate(),
        )
        .values_list("source_material_id", flat=True)
    )
    lapsed = [m for m in marked if m.reused_from_id not in standing]
    if not lapsed:
        return []
    _unfill(case, lapsed, _("材料库中的该材料已删除或已过期，请提交该材料"))
    return lapsed


def _unfill(case: Case, materials: list[CaseMaterial], reason: str) -> None:
    """Materials taken from the locker are missing again (with ``reason``), and their reused
    file rows go (only the rows: the stored files belong to the case that verified them)."""
    for material in materials:
        material.status = MaterialStatus.MISSING
        material.reason = reason
        material.reused_from = None
    CaseMaterial.objects.bulk_update(materials, ["status", "reason", "reused_from"])
    materials_in_added(case, -len(materials))
    MaterialFile.objects.filter(material__in=materials).delete()


def locker_unfill(case: Case) -> None:
    """The draft's applicant changed (``cases.satisfiers`` identity change, in that
    transaction): what the former applicant's locker filled is asked for again, and their
    files leave the case."""
    marked = list(
        CaseMaterial.objects.select_for_update(of=("self",)).filter(
            case=case, status=MaterialStatus.SATISFIED_BY_LOCKER
        )
    )
    if marked:
        _unfill(case, marked, "")


@transaction.atomic
def locker_item_withdraw(*, item_id: int, by: User) -> LockerItem:
    """The person removes an item of their own locker: no later case takes it, and a case
    not yet accepted that took it asks for the material again (its next check)."""
    kind, identity = account_identity(by)
    item = (
        LockerItem.objects.select_for_update(of=("self",))
        .current()
        .of_identity(kind, identity)
        .filter(pk=item_id)
        .first()
        if identity
        else None
    )
    if item is None:
        raise LockerItemNotFoundError(_("材料库中没有这项材料。"))
    item.withdrawn_at = timezone.now()
    item.save(update_fields=["withdrawn_at"])
    return item
