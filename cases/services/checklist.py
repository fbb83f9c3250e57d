"""The checklist at the window: materials received on paper or found missing, and a window
draft handed in by the clerk.

- A material received on paper (original or copy, how many copies) needs no scan.
- A material missing or not acceptable is recorded with its reason.
- A draft made at the window is handed in (draft → submitted) by the clerk, so the hall can
  answer it; an online draft is the applicant's alone.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import recorded
from accounts.models import User
from matters.models import MaterialForm

from ..access import can_act_as_applicant, is_clerk
from ..counters import material_status_changed
from ..events import CaseAction
from ..exceptions import CasePermissionError
from ..models import IN_HAND, SATISFIED, Case, CaseMaterial, MaterialStatus, VisitKind
from ._core import lock_case, record_event, refuse, run_transition
from .intake import material_for_requirement
from .visits import visit_record

RECEIVABLE_FORMS = (MaterialForm.ORIGINAL, MaterialForm.COPY, MaterialForm.ORIGINAL_AND_COPY)
MAX_COPIES = 99


def _clerk_only(by: User) -> None:
    if not is_clerk(by):
        raise CasePermissionError(_("只有窗口人员可以在窗口核对材料。"))


def _material_label(material: CaseMaterial, form: str, copies: int) -> str:
    return _("%(m)s（%(form)s %(copies)d 份）") % {
        "m": material.material_type.name,
        "form": MaterialForm(form).label,
        "copies": copies,
    }


@transaction.atomic
def material_receive(
    *, case: Case, by: User, requirement_id: int, form: str, copies: int
) -> CaseMaterial:
    """Record a material received at the window on paper: original or copy, how many copies.

    No scan is needed. Open while the checklist is (draft, submitted, supplement required)
    and, for a material deferred at acceptance, until the result is issued: then it counts
    as supplied, and bringing it is a trip.
    """
    case = lock_case(case)
    _clerk_only(by)
    material = material_for_requirement(case, requirement_id)
    was_deferred = material.status == MaterialStatus.DEFERRED
    # Brought after acceptance, outside the checklist: a trip of its own.
    deferred_open = material.is_open_deferral(case) and not case.materials_open
    if not (case.materials_open or deferred_open):
        raise refuse(case, CaseAction.MATERIAL_RECEIVED)
    electronic = form == MaterialForm.ELECTRONIC
    if electronic:
        # Taking in what the applicant uploaded: as many copies as files.
        copies = material.files.count()
        if not copies:
            raise ValidationError(
                {"form": [_("该材料没有网上提交的电子文件，请选择纸质收取形式。")]}
            )
    elif form not in RECEIVABLE_FORMS:
        raise ValidationError({"form": [_("请选择收取形式：原件、复印件或原件及复印件。")]})
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError({"copies": [_("份数应在1至%(max)d之间。") % {"max": MAX_COPIES}]})
    in_hand = material.status in IN_HAND
    unchanged = (material.received_form, material.received_copies) == (form, copies)
    if in_hand and unchanged and material.taken_in_at is not None:
        return material
    if material.status != MaterialStatus.VERIFIED:
        material_status_changed(case, material.status, MaterialStatus.RECEIVED)
        material.status = MaterialStatus.RECEIVED
    material.received_form = form
    material.received_copies = copies
    material.reason = ""
    material.taken_in_at = timezone.now()
    material.save(
        update_fields=["status", "received_form", "received_copies", "reason", "taken_in_at"]
    )
    label = _material_label(material, form, copies)
    if was_deferred:
        note = recorded("容缺材料已在窗口补交：%(m)s", {"m": label})
        record_event(case, action=CaseAction.DEFERRED_SUPPLIED, by=by, note=note)
        if deferred_open:
            visit_record(case=case, by=by, kind=VisitKind.SUPPLEMENT, on=timezone.localdate())
    else:
        record_event(
            case,
            action=CaseAction.MATERIAL_RECEIVED,
            by=by,
            note=(
                recorded(
                    "窗口核验网上提交的电子材料：%(m)s（%(n)d 个文件）",
                    {"m": material.material_type.name, "n": copies},
                )
                if electronic
                else recorded("窗口收取：%(m)s", {"m": label})
            ),
            internal=True,
        )
    return material


@transaction.atomic
def material_mark_not_applicable(*, case: Case, by: User, requirement_id: int) -> CaseMaterial:
    """Record that a material the guide asks for only in some cases does not apply (不涉及).

    Never for a required material. A material an e-licence stands for keeps that status.
    """
    case = lock_case(case)
    _clerk_only(by)
    if not case.materials_open:
        raise refuse(case, CaseAction.MATERIAL_NOT_APPLICABLE)
    material = material_for_requirement(case, requirement_id)
    if material.status == MaterialStatus.NOT_APPLICABLE or material.status in SATISFIED:
        return material
    if material.required:
        raise ValidationError(
            {
                "state": [
                    _("“%(m)s”是必交材料，不能标为不涉及。") % {"m": material.material_type.name}
                ]
            }
        )
    material_status_changed(case, material.status, MaterialStatus.NOT_APPLICABLE)
    material.status = MaterialStatus.NOT_APPLICABLE
    material.reason = ""
    material.save(update_fields=["status", "reason"])
    record_event(
        case,
        action=CaseAction.MATERIAL_NOT_APPLICABLE,
        by=by,
        note=recorded("窗口核对不涉及：%(m)s", {"m": material.material_type.name}),
        internal=True,
    )
    return material


@transaction.atomic
def material_mark_missing(
    *, case: Case, by: User, requirement_id: int, reason: str
) -> CaseMaterial:
    """Record that a material is missing or not acceptable (unclear, wrong, expired), and why."""
    case = lock_case(case)
    _clerk_only(by)
    if not case.materials_open:
        raise refuse(case, CaseAction.MATERIAL_MISSING)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写缺少或需补正的原因。")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("原因不能超过300字。")]})
    material = material_for_requirement(case, requirement_id)
    if material.status == MaterialStatus.MISSING and material.reason == reason:
        return material
    material_status_changed(case, material.status, MaterialStatus.MISSING)
    material.status = MaterialStatus.MISSING
    material.reason = reason
    material.received_form = ""
    material.received_copies = 0
    material.save(update_fields=["status", "reason", "received_form", "received_copies"])
    record_event(
        case,
        action=CaseAction.MATERIAL_MISSING,
        by=by,
        note=recorded(
            "窗口核对缺少：%(m)s（%(r)s）", {"m": material.material_type.name, "r": reason}
        ),
        internal=True,
    )
    return material


@transaction.atomic
def case_hand_in(*, case: Case, by: User) -> Case:
    """A draft made at the window is handed in by the clerk, so the hall can answer it.

    Any other status is left as it is: the clerk's decision that follows checks its own.
    """
    case = lock_case(case)
    if case.can("submit"):
        # An online draft is the applicant's alone: only they hand it in.
        if not can_act_as_applicant(by, case):
            raise CasePermissionError(_("网上申请的草稿只能由申请人提交。"))
        run_transition(
            case, CaseAction.SUBMIT, by=by, note=recorded("窗口收件。"), at=timezone.now()
        )
    return case
