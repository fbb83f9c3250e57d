"""Lookups in the data exchange when a case is created (数据共享, 减证便民).

Two steps, so that no slow call runs while the case's creation holds a lock:

- ``lookups_prepare`` (a preparer of ``cases.satisfiers``, run BEFORE the case's
  transaction): with the consent of the applicant (checked by ``case_create``: the applicant
  themself or a clerk at the window) it asks the configured source, in one call bounded by a
  total deadline, for every data item standing for a material of the filing, and logs each
  item asked (``DataLookup``) at once, committed on its own (``case_create`` calls it outside
  any transaction): the log survives whatever happens to the case afterwards (PIPL
  accountability).
- ``materials_fill_from_exchange`` (a filler, inside the case's transaction): links the
  logged lookups to the new case and its materials. Found (a record with at least one
  field): the material is ``satisfied_by_data``. Not found: nothing changes. The source
  down: the materials stay to be brought with a note. Listeners registered with
  ``on_data_found`` (hall: the 数据核验单 paper) run when at least one item was found.

When a draft's applicant changes (``materials_forget_previous_applicant``) what was found
for the previous one no longer counts; submission checks again that every
``satisfied_by_data`` material was found for the case's applicant
(``data_materials_recheck``).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.language import recorded
from cases.counters import material_status_changed, materials_in_added
from cases.models import Case, CaseMaterial, MaterialStatus
from cases.satisfiers import CreateContext, Filing
from matters.models import DataItem, MaterialType

from .models import DataLookup, LookupOutcome
from .sources import ExchangeUnavailableError, Query, data_source

logger = logging.getLogger(__name__)

PREPARER = "exchange"

FoundListener = Callable[[Case, list[DataLookup]], None]
_found_listeners: list[FoundListener] = []


def on_data_found(listener: FoundListener) -> None:
    """Call ``listener(case, found_lookups)`` when a case's lookups found something
    (idempotent; inside the case's creation)."""
    if listener not in _found_listeners:
        _found_listeners.append(listener)


def lookup_purpose(case: Case) -> str:
    """Why the data was looked up: the matter and the case number."""
    return recorded(
        "办理《%(matter)s》（%(number)s）", {"matter": case.title, "number": case.number}
    )


def filing_purpose(title: str) -> str:
    """Why, before the case has its number."""
    return recorded("办理《%(matter)s》", {"matter": title})


def unavailable_note() -> str:
    return recorded("数据共享平台暂不可用，请提交纸质材料")


def is_found(record: dict | None) -> bool:
    """A record counts as found only with at least one field."""
    return bool(record) and bool(record.get("fields"))


@dataclass(frozen=True)
class Prepared:
    """The logged lookups of a filing, by data item id, and whether the source answered."""

    lookups: dict[int, DataLookup]
    available: bool


def _ask(query: Query) -> tuple[str, dict, bool]:
    source_name = ""
    try:
        source = data_source()
        source_name = source.name
        return source_name, source.lookup(query), True
    except ExchangeUnavailableError as error:
        logger.warning("data exchange unavailable: %s", error)
    except Exception:  # a broken source never blocks the case: it counts as unavailable
        logger.exception("data exchange failed")
    return source_name, {}, False


def lookups_prepare(filing: Filing) -> Prepared | None:
    """Ask the exchange for the filing's data items and log every item asked, before the
    case exists (its own commit when called outside a transaction, as ``case_create``
    does)."""
    if not filing.consent or not filing.applicant_identity:
        return None
    item_ids = set(
        MaterialType.objects.filter(
            pk__in=filing.material_type_ids, data_item__isnull=False
        ).values_list("data_item_id", flat=True)
    )
    if not item_ids:
        return None
    items = list(
        DataItem.objects.filter(pk__in=item_ids, active=True)
        .select_related("department")
        .order_by("pk")
    )
    if not items:
        return None
    purpose = filing_purpose(filing.title)
    query = Query(
        identity_kind=filing.applicant_kind,
        identity=filing.applicant_identity,
        name=filing.applicant_name,
        items=tuple(item.code for item in items),
        purpose=purpose,
        requester=filing.lead_department.code,
    )
    source_name, records, available = _ask(query)
    now = timezone.now()
    by = filing.by if getattr(filing.by, "is_authenticated", False) else None
    lookups = {}
    for item in items:
        record = records.get(item.code) if available else None
        if not available:
            outcome = LookupOutcome.UNAVAILABLE
        elif is_found(record):
            outcome = LookupOutcome.FOUND
        else:
            outcome = LookupOutcome.NOT_FOUND
        lookups[item.pk] = DataLookup(
            data_item=item,
            identity_kind=filing.applicant_kind,
            identity=filing.applicant_identity,
            department=filing.lead_department,
            # The hall that took the filing (a window's); an online case has none yet.
            hall=filing.hall,
            by=by,
            at=now,
            purpose=purpose,
            source=source_name or settings.DATA_EXCHANGE["BACKEND"].rsplit(".", 1)[-1][:20],
            outcome=outcome,
            snapshot=record if outcome == LookupOutcome.FOUND else {},
        )
    # The fact of the lookup is kept even if the case is never created.
    with transaction.atomic():
        DataLookup.objects.bulk_create(lookups.values())
    return Prepared(lookups=lookups, available=available)


def materials_fill_from_exchange(
    case: Case, missing: list[CaseMaterial], context: CreateContext
) -> None:
    """Satisfy ``missing`` materials from what ``lookups_prepare`` found; link its log."""
    prepared: Prepared | None = context.prepared.get(PREPARER)
    if prepared is None or not prepared.lookups:
        return
    purpose = lookup_purpose(case)
    extra, found, changed = [], [], []
    for material in missing:
        lookup = prepared.lookups.get(material.material_type.data_item_id)
        if lookup is None:
            continue
        if lookup.material_id is None:
            lookup.material = material
        else:  # a second material standing for the same item: its own row of the answer
            lookup = DataLookup(
                **{
                    f.attname: getattr(lookup, f.attname)
                    for f in DataLookup._meta.concrete_fields
                    if not f.primary_key
                },
            )
            lookup.material = material
            extra.append(lookup)
        if lookup.outcome == LookupOutcome.FOUND:
            material.status = MaterialStatus.SATISFIED_BY_DATA
            material.reason = ""
            found.append(lookup)
            changed.append(material)
        elif lookup.outcome == LookupOutcome.UNAVAILABLE:
            material.reason = unavailable_note()
            changed.append(material)
    for lookup in prepared.lookups.values():
        lookup.case = case
        lookup.purpose = purpose
    DataLookup.objects.bulk_update(prepared.lookups.values(), ["case", "material", "purpose"])
    for lookup in extra:
        lookup.case = case
        lookup.purpose = purpose
    if extra:
        DataLookup.objects.bulk_create(extra)
    if changed:
        CaseMaterial.objects.bulk_update(changed, ["status", "reason"])
    materials_in_added(case, len(found))
    if found:
        for listener in _found_listeners:
            listener(case, found)


def materials_forget_previous_applicant(case: Case) -> None:
    """The draft's applicant changed: the materials satisfied by the previous applicant's
    data are missing again and the case keeps no snapshot of that data (the log keeps the
    fact of the lookup)."""
    materials = list(case.materials.filter(status=MaterialStatus.SATISFIED_BY_DATA))
    for material in materials:
        material_status_changed(case, material.status, MaterialStatus.MISSING)
        material.status = MaterialStatus.MISSING
        material.reason = ""
    if materials:
        CaseMaterial.objects.bulk_update(materials, ["status", "reason"])
    DataLookup.objects.filter(case=case).exclude(snapshot={}).update(snapshot={})


def data_materials_recheck(case: Case, materials: list[CaseMaterial]) -> list[CaseMaterial]:
    """At submission: a ``satisfied_by_data`` material counts only when it was found for the
    case's applicant (same kind and identity); otherwise it is missing again."""
    marked = [m for m in materials if m.status == MaterialStatus.SATISFIED_BY_DATA]
    if not marked:
        return []
    good = set(
        DataLookup.objects.filter(
            material__in=marked,
            outcome=LookupOutcome.FOUND,
            identity_kind=case.applicant_kind,
            identity=case.applicant_identity,
        )
        .exclude(snapshot={})
        .values_list("material_id", flat=True)
    )
    lapsed = [m for m in marked if m.pk not in good]
    for material in lapsed:
        material_status_changed(case, material.status, MaterialStatus.MISSING)
        material.status = MaterialStatus.MISSING
        material.reason = ""
        material.save(update_fields=["status", "reason"])
    return lapsed
