"""The case in the city's network of halls (issue 13).

- Intake (受理网点): a clerk takes in only what their hall may (``halls.availability``; for a
  bundle, every matter of it). A window case is taken in at the clerk's hall when it is
  created; any case at the accepting clerk's hall when it is accepted (deemed acceptance: the
  hall it already names, else the city centre).
- Pickup (领取网点): the applicant names the hall the result waits at (异地能办), any active
  hall with windows; unnamed, it is the intake hall, and for an online case the city centre
  until a hall accepts it, then that hall. Only a clerk of that hall hands the result over.
- Paper on its way (物料流转): paper materials taken in at a hall below the city level travel
  to the city centre, where the departments decide; a ``MaterialTransfer`` records who sent
  them and who received them there.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import recorded
from accounts.models import User
from halls.availability import may_take_in
from halls.models import Hall, HallLevel
from halls.selectors import city_centre, city_centre_id, staff_hall
from matters.models import DeliveryMethod, MaterialForm, Matter

from ..access import is_clerk
from ..events import CaseAction
from ..exceptions import CaseError, CasePermissionError
from ..models import IN_HAND, Case, MaterialTransfer
from ._core import record_event


class HallMayNotTakeInError(CasePermissionError):
    """The clerk's hall may not take in this matter (受理网点范围)."""

    code = "hall_may_not_take_in"


class NotPickupHallError(CasePermissionError):
    """The result waits at another hall: only that hall's clerks hand it over."""

    code = "not_pickup_hall"


class NotReceivingHallError(CasePermissionError):
    code = "not_receiving_hall"


class TransferAlreadyReceivedError(CaseError):
    status_code = 409
    code = "transfer_already_received"


def case_matters(case: Case) -> list[Matter]:
    """The matter of the case, or every matter of its bundle."""
    if case.matter_id:
        return [case.matter]
    return list(Matter.objects.filter(bundles=case.bundle_id).order_by("code"))


def require_intake_hall(matters: list[Matter], hall: Hall) -> None:
    """Refuse (403 ``hall_may_not_take_in``) unless ``hall`` may take in every matter."""
    refused = [matter for matter in matters if not may_take_in(matter, hall)]
    if refused:
        raise HallMayNotTakeInError(
            _("%(hall)s不能受理“%(names)s”：请引导申请人到可受理的网点办理（见办事指南）。")
            % {"hall": hall.name, "names": "、".join(matter.name for matter in refused)},
            extra={"hall": hall.code, "matters": [matter.code for matter in refused]},
        )


def hall_takes_in(case: Case, user: User) -> bool:
    """Whether the hall ``user`` works at may take in every matter of the case."""
    hall = staff_hall(user)
    return all(may_take_in(matter, hall) for matter in case_matters(case))


def pickup_hall_choice(code: str) -> Hall | None:
    """The hall named for the result (``delivery.hall``), or None when none is named."""
    code = (code or "").strip()
    if not code:
        return None
    hall = Hall.objects.filter(code=code, active=True, has_windows=True).first()
    if hall is None:
        raise ValidationError(
            {"delivery.hall": [_("没有可领取办理结果的网点“%(code)s”。") % {"code": code}]}
        )
    return hall


def hall_with_windows(hall: Hall | None) -> Hall | None:
    """``hall``, or the nearest hall above it with windows (a village point has none, so
    nobody there hands a result over); the city centre when none is found."""
    seen = set()
    while hall is not None and not hall.has_windows and hall.pk not in seen:
        seen.add(hall.pk)
        hall = hall.parent
    return hall if hall is not None else city_centre()


def pickup_fields(method: str, code: str, default: Hall | None) -> dict:
    """``pickup_hall`` and ``pickup_chosen`` for a case's delivery: the named hall, else
    ``default``; none for courier delivery."""
    if method != DeliveryMethod.PICKUP:
        return {"pickup_hall": None, "pickup_chosen": False}
    chosen = pickup_hall_choice(code)
    default = hall_with_windows(default) if default is not None else None
    return {"pickup_hall": chosen or default, "pickup_chosen": chosen is not None}


def pickup_hall_id(case: Case) -> int:
    """The hall the result is handed over at: the pickup hall, else the intake hall, else
    the city centre."""
    return case.pickup_hall_id or case.hall_id or city_centre_id()


def at_pickup_hall(case: Case, user: User) -> bool:
    return staff_hall(user).pk == pickup_hall_id(case)


def require_pickup_hall(case: Case, user: User) -> None:
    if not at_pickup_hall(case, user):
        hall = Hall.objects.get(pk=pickup_hall_id(case))
        raise NotPickupHallError(
            _("该办件的办理结果在%(hall)s领取，只能由该网点的工作人员交付。") % {"hall": hall.name},
            extra={"pickup_hall": hall.code},
        )


def intake_hall_set(case: Case, hall: Hall) -> None:
    """The case is taken in at ``hall`` (the caller saves it); a pickup the applicant did
    not name follows it."""
    case.hall = hall
    if case.delivery_method == DeliveryMethod.PICKUP and not case.pickup_chosen:
        case.pickup_hall = hall


PAPER_FORMS = (MaterialForm.ORIGINAL, MaterialForm.COPY, MaterialForm.ORIGINAL_AND_COPY)


def transfer_for_intake(*, case: Case, by: User) -> MaterialTransfer | None:
    """Send the paper materials a hall below the city level took in to the city centre (in
    the transaction of the acceptance); None when nothing travels."""
    if case.hall is None or case.hall.level == HallLevel.CITY:
        return None
    centre = city_centre()
    if centre.pk == case.hall_id:
        return None
    papers = [
        {
            "name": material.material_type.name,
            "form": material.received_form,
            "copies": material.received_copies,
        }
        for material in case.materials.select_related("material_type").order_by("order", "id")
        if material.status in IN_HAND and material.received_form in PAPER_FORMS
    ]
    if not papers:
        return None
    transfer = MaterialTransfer.objects.create(
        case=case,
        from_hall=case.hall,
        to_hall=centre,
        materials=papers,
        sent_at=timezone.now(),
        sent_by=by,
    )
    record_event(
        case,
        action=CaseAction.TRANSFER_SENT,
        by=by,
        note=recorded(
            "纸质材料由%(from)s送往%(to)s：%(names)s。",
            {
                "from": case.hall.name,
                "to": centre.name,
                "names": "、".join(paper["name"] for paper in papers),
            },
        ),
        payload={"transfer": transfer.pk},
    )
    return transfer


@transaction.atomic
def transfer_receive(*, transfer: MaterialTransfer | int, by: User) -> MaterialTransfer:
    """A clerk of the receiving hall marks the materials received (once)."""
    pk = transfer.pk if isinstance(transfer, MaterialTransfer) else transfer
    transfer = (
        MaterialTransfer.objects.select_for_update(of=("self",))
        .select_related("case", "from_hall", "to_hall")
        .get(pk=pk)
    )
    if not is_clerk(by):
        raise CasePermissionError(_("只有窗口人员可以接收材料。"))
    if staff_hall(by).pk != transfer.to_hall_id:
        raise NotReceivingHallError(
            _("这批材料送往%(hall)s，只能由该网点的工作人员接收。")
            % {"hall": transfer.to_hall.name}
        )
    if transfer.received:
        raise TransferAlreadyReceivedError(
            _("这批材料已于%(at)s接收。")
            % {"at": timezone.localtime(transfer.received_at).strftime("%Y-%m-%d %H:%M")}
        )
    transfer.received_at = timezone.now()
    transfer.received_by = by
    transfer.save(update_fields=["received_at", "received_by"])
    record_event(
        transfer.case,
        action=CaseAction.TRANSFER_RECEIVED,
        by=by,
        note=recorded(
            "%(to)s已接收%(from)s送来的纸质材料。",
            {"to": transfer.to_hall.name, "from": transfer.from_hall.name},
        ),
        payload={"transfer": transfer.pk},
    )
    return transfer
