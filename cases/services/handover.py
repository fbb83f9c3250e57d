"""Issuing the result and handing it over: at the window or by courier (统一出件)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import recorded
from accounts.models import User
from matters.models import DeliveryMethod

from ..access import is_clerk
from ..events import CaseAction
from ..exceptions import CaseError, CasePermissionError
from ..models import (
    Case,
    MaterialStatus,
    VisitKind,
    no_outstanding_deferrals,
    no_outstanding_payment,
)
from ._core import case_require_transition, lock_case, record_event, run_transition
from .halls import require_pickup_hall
from .visits import visit_record


class DeferredMaterialsOutstandingError(CaseError):
    status_code = 409
    code = "deferred_materials_outstanding"


class PaymentOutstandingError(CaseError):
    """网上缴费: the case's fee is not paid yet (online, or at the counter)."""

    status_code = 409
    code = "payment_outstanding"


def _clerk_only(by: User | None) -> None:
    if by is not None and not is_clerk(by):
        raise CasePermissionError(_("只有窗口人员可以办理出件。"))


@transaction.atomic
def case_issue(*, case: Case, by: User) -> Case:
    """Make out the result; refused while a deferred material is still outstanding, or while
    the case's fee is unpaid (a denial is issued without payment)."""
    case = lock_case(case)
    _clerk_only(by)
    case_require_transition(case, "issue")
    if not no_outstanding_deferrals(case):
        outstanding = case.materials.filter(status=MaterialStatus.DEFERRED).select_related(
            "material_type"
        )
        names = "、".join(m.material_type.name for m in outstanding)
        raise DeferredMaterialsOutstandingError(
            _("容缺材料尚未补齐，不能出件：%(names)s。") % {"names": names}
        )
    if not no_outstanding_payment(case):
        raise PaymentOutstandingError(_("该办件的费用尚未缴纳，不能出件。"))
    run_transition(case, CaseAction.ISSUE, by=by)
    return case


@transaction.atomic
def case_ship(*, case: Case, by: User | None, waybill: str = "") -> Case:
    """Hand the result to the courier.

    With a waybill typed by the clerk it is recorded at once; without one, the courier
    integration (``delivery``) asks the courier for it and records it later
    (``case_record_waybill``).
    """
    waybill = (waybill or "").strip()
    case = lock_case(case)
    _clerk_only(by)
    case_require_transition(case, "ship")
    if case.delivery_method != DeliveryMethod.COURIER:
        raise ValidationError({"waybill": [_("该办件选择窗口领取，不能快递寄送。")]})
    note = (
        recorded("运单号：%(w)s", {"w": waybill}) if waybill else recorded("已交快递，等待运单号。")
    )
    run_transition(case, CaseAction.SHIP, by=by, note=note, waybill=waybill)
    return case


@transaction.atomic
def case_record_waybill(*, case: Case, waybill: str, by: User | None = None) -> Case:
    """Record the waybill the courier gave for a case in transit (once)."""
    case = lock_case(case)
    case_require_transition(case, "deliver")
    if case.waybill == waybill:
        return case
    case.waybill = waybill
    case.save(update_fields=["waybill", "updated_at"])
    record_event(
        case, action=CaseAction.WAYBILL, by=by, note=recorded("运单号：%(w)s", {"w": waybill})
    )
    return case


@transaction.atomic
def case_delivery_failed(*, case: Case, reason: str, by: User | None = None) -> Case:
    """The courier could not deliver: the applicant and the hall are told (status stays)."""
    case = lock_case(case)
    case_require_transition(case, "deliver")
    record_event(
        case,
        action=CaseAction.DELIVERY_FAILED,
        by=by,
        note=recorded("投递失败：%(r)s", {"r": reason}),
        payload={"reason": reason},
    )
    return case


@transaction.atomic
def case_deliver(*, case: Case, by: User | None) -> Case:
    """The courier delivered the result: the case is closed."""
    case = lock_case(case)
    _clerk_only(by)
    run_transition(case, CaseAction.DELIVER, by=by, at=timezone.now())
    return case


@transaction.atomic
def case_collect(*, case: Case, by: User) -> Case:
    """The applicant collected the result at the window: a trip, and the case is closed.

    Only a clerk of the pickup hall hands it over (another hall's → 403 ``not_pickup_hall``).
    A helper's case is collected by the helper for the resident (全程代办): no trip of the
    applicant's.
    """
    case = lock_case(case)
    _clerk_only(by)
    case_require_transition(case, "collect")
    # 异地能办: the result waits at the hall the applicant chose; only its clerks hand it over.
    require_pickup_hall(case, by)
    if case.helper_id is not None:
        note = recorded("由代办员%(helper)s代为领取。", {"helper": case.agent_name})
        run_transition(case, CaseAction.COLLECT, by=by, note=note, at=timezone.now())
        return case
    run_transition(case, CaseAction.COLLECT, by=by, at=timezone.now())
    visit_record(case=case, by=by, kind=VisitKind.COLLECT, on=timezone.localdate())
    return case
