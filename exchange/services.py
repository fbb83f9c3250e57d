"""Lookups in the data exchange when a case is created (数据共享, 减证便民).

``materials_fill_from_exchange`` is a filler of ``cases.satisfiers``: with the applicant's
consent it asks the configured source, in one call, for every data item that stands for a
missing material of the new case; each item asked is logged (``DataLookup``). Found: the
material is ``satisfied_by_data`` and the snapshot of the record is kept. Not found: nothing
changes. The source down: the materials stay to be brought with a note; the case is created
anyway. Listeners registered with ``on_data_found`` (hall: the 数据核验单 paper) run in the
same transaction when at least one item was found.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from accounts.language import recorded
from cases.counters import materials_in_added
from cases.models import Case, CaseMaterial, MaterialStatus
from cases.satisfiers import CreateContext
from matters.models import DataItem

from .models import DataLookup, LookupOutcome
from .sources import ExchangeUnavailableError, Query, data_source

logger = logging.getLogger(__name__)

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


def unavailable_note() -> str:
    return recorded("数据共享平台暂不可用，请提交纸质材料")


def materials_fill_from_exchange(
    case: Case, missing: list[CaseMaterial], context: CreateContext
) -> None:
    """Satisfy ``missing`` materials from the data exchange (only with consent)."""
    if not context.consent or not case.applicant_identity:
        return
    wanted = [m for m in missing if m.material_type.data_item_id]
    if not wanted:
        return
    items = {
        item.pk: item
        for item in DataItem.objects.filter(
            pk__in={m.material_type.data_item_id for m in wanted}, active=True
        ).select_related("department")
    }
    wanted = [m for m in wanted if m.material_type.data_item_id in items]
    if not wanted:
        return
    codes = tuple(dict.fromkeys(items[m.material_type.data_item_id].code for m in wanted))
    purpose = lookup_purpose(case)
    query = Query(
        identity_kind=case.applicant_kind,
        identity=case.applicant_identity,
        name=case.applicant_name,
        items=codes,
        purpose=purpose,
        requester=case.lead_department.code,
    )
    source_name = ""
    try:
        source = data_source()
        source_name = source.name
        records = source.lookup(query)
        available = True
    except ExchangeUnavailableError as error:
        logger.warning("data exchange unavailable for case %s: %s", case.number, error)
        records, available = {}, False
    except Exception:  # a broken source never blocks the case: it counts as unavailable
        logger.exception("data exchange failed for case %s", case.number)
        records, available = {}, False
    now = timezone.now()
    by = context.by if getattr(context.by, "is_authenticated", False) else None
    # The hall that took the filing (a window's, a helper's); an online case has none yet.
    hall_id = case.hall_id
    lookups, found, changed = [], [], []
    for material in wanted:
        item = items[material.material_type.data_item_id]
        record = records.get(item.code) if available else None
        if not available:
            outcome = LookupOutcome.UNAVAILABLE
        elif record:
            outcome = LookupOutcome.FOUND
        else:
            outcome = LookupOutcome.NOT_FOUND
        lookup = DataLookup(
            case=case,
            material=material,
            data_item=item,
            identity_kind=case.applicant_kind,
            identity=case.applicant_identity,
            department_id=case.lead_department_id,
            hall_id=hall_id,
            by=by,
            at=now,
            purpose=purpose,
            source=source_name or settings.DATA_EXCHANGE["BACKEND"].rsplit(".", 1)[-1][:20],
            outcome=outcome,
            snapshot=record or {},
        )
        lookups.append(lookup)
        if outcome == LookupOutcome.FOUND:
            material.status = MaterialStatus.SATISFIED_BY_DATA
            material.reason = ""
            found.append(lookup)
            changed.append(material)
        elif outcome == LookupOutcome.UNAVAILABLE:
            material.reason = unavailable_note()
            changed.append(material)
    DataLookup.objects.bulk_create(lookups)
    if changed:
        CaseMaterial.objects.bulk_update(changed, ["status", "reason"])
    materials_in_added(case, len(found))
    if found:
        for listener in _found_listeners:
            listener(case, found)
