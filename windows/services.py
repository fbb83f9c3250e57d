"""What the clerk does at the window that the case services do not cover on their own.

- Going down the checklist: a material received on paper (original or copy, how many copies)
  with no scan, or missing with its reason.
- Deciding at the window in one go: the checklist is recorded and the case is accepted (with
  deferrals), answered with a one-time notice, refused, or resubmitted after a supplement, all
  in one transaction: a refusal by the case services leaves nothing half done.

A draft made at the window is handed in (draft → submitted) by the clerk as part of the
decision. For acceptance, ``case_accept`` then checks every required material (deferred ones
excepted) and names every missing one at once; a one-time notice or a refusal needs nothing
complete, since they answer an application that is not.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.access import can_act_as_applicant, is_clerk
from cases.exceptions import CasePermissionError
from cases.models import (
    IN_HAND,
    Case,
    CaseMaterial,
    Channel,
    MaterialStatus,
    VisitKind,
)
from cases.services import (
    case_accept,
    case_reject,
    case_request_supplement,
    case_require_transition,
    case_resubmit,
    material_for_requirement,
    visit_record,
)
from cases.services._core import lock_case, record_event, refuse, run_transition
from matters.models import MaterialForm

RECEIVED, MISSING, DEFERRED, NOT_APPLICABLE = "received", "missing", "deferred", "none"
RECEIVABLE_FORMS = (MaterialForm.ORIGINAL, MaterialForm.COPY, MaterialForm.ORIGINAL_AND_COPY)
MAX_COPIES = 99


@dataclass(frozen=True)
class ChecklistMark:
    """The clerk's verdict on one material of the checklist."""

    requirement_id: int
    state: str
    form: str = MaterialForm.ORIGINAL
    copies: int = 1
    reason: str = ""


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
def material_mark_received(
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
        raise refuse(case, "material_received")
    if form not in RECEIVABLE_FORMS:
        raise ValidationError({"form": [_("请选择收取形式：原件、复印件或原件及复印件。")]})
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError({"copies": [_("份数应在1至%(max)d之间。") % {"max": MAX_COPIES}]})
    in_hand = material.status in IN_HAND
    if in_hand and (material.received_form, material.received_copies) == (form, copies):
        return material
    if material.status != MaterialStatus.VERIFIED:
        material.status = MaterialStatus.RECEIVED
    material.received_form = form
    material.received_copies = copies
    material.reason = ""
    material.save(update_fields=["status", "received_form", "received_copies", "reason"])
    label = _material_label(material, form, copies)
    if was_deferred:
        note = _("容缺材料已在窗口补交：%(m)s") % {"m": label}
        record_event(case, action="deferred_supplied", by=by, note=note)
        if deferred_open:
            visit_record(case=case, by=by, kind=VisitKind.SUPPLEMENT, on=timezone.localdate())
    else:
        record_event(
            case,
            action="material_received",
            by=by,
            note=_("窗口收取：%(m)s") % {"m": label},
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
        raise refuse(case, "material_missing")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写缺少或需补正的原因。")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("原因不能超过300字。")]})
    material = material_for_requirement(case, requirement_id)
    if material.status == MaterialStatus.MISSING and material.reason == reason:
        return material
    material.status = MaterialStatus.MISSING
    material.reason = reason
    material.received_form = ""
    material.received_copies = 0
    material.save(update_fields=["status", "reason", "received_form", "received_copies"])
    record_event(
        case,
        action="material_missing",
        by=by,
        note=_("窗口核对缺少：%(m)s（%(r)s）") % {"m": material.material_type.name, "r": reason},
        internal=True,
    )
    return material


@transaction.atomic
def checklist_record(*, case: Case, by: User, marks: list[ChecklistMark]) -> None:
    """Record the checklist as the clerk marked it (received, or missing with a reason)."""
    for mark in marks:
        if mark.state == RECEIVED:
            material_mark_received(
                case=case,
                by=by,
                requirement_id=mark.requirement_id,
                form=mark.form,
                copies=mark.copies,
            )
        elif mark.state == MISSING and mark.reason.strip():
            material_mark_missing(
                case=case, by=by, requirement_id=mark.requirement_id, reason=mark.reason
            )


def _hand_in_draft(case: Case, by: User) -> None:
    """A draft made at the window is handed in by the clerk, so the hall can answer it."""
    case = lock_case(case)
    if case.can("submit"):
        # An online draft is the applicant's alone: only they hand it in.
        if not can_act_as_applicant(by, case):
            raise CasePermissionError(_("网上申请的草稿只能由申请人提交。"))
        run_transition(case, "submit", by=by, note=_("窗口收件。"), at=timezone.now())


@transaction.atomic
def case_window_accept(
    *,
    case: Case,
    by: User,
    marks: list[ChecklistMark],
    due_date: datetime.date | None = None,
    commitment: str = "",
    in_person: bool | None = None,
) -> Case:
    """Record the checklist and accept (受理); the materials marked deferred are deferred on
    the applicant's commitment (容缺受理). A window draft is handed in first."""
    _clerk_only(by)
    checklist_record(case=case, by=by, marks=marks)
    _hand_in_draft(case, by)
    deferred = [mark.requirement_id for mark in marks if mark.state == DEFERRED]
    return case_accept(
        case=case,
        by=by,
        deferred=deferred,
        due_date=due_date,
        commitment=commitment,
        in_person=in_person,
    )


@transaction.atomic
def case_window_notice(
    *,
    case: Case,
    by: User,
    marks: list[ChecklistMark],
    note: str = "",
    in_person: bool | None = None,
) -> Case:
    """Record the checklist and give the one-time notice (一次性告知) of everything marked
    missing, each with its reason. A window draft is handed in first."""
    _clerk_only(by)
    missing = [mark for mark in marks if mark.state == MISSING]
    checklist_record(case=case, by=by, marks=[m for m in marks if m.state == RECEIVED])
    _hand_in_draft(case, by)
    if not missing:
        # A case past intake is refused (409) before its empty list is (400).
        case.refresh_from_db(fields=["status"])
        case_require_transition(case, "request_supplement")
        raise ValidationError({"missing": [_("一次性告知须列出缺少的全部材料。")]})
    return case_request_supplement(
        case=case,
        by=by,
        missing=[mark.requirement_id for mark in missing],
        reasons={mark.requirement_id: mark.reason.strip() for mark in missing},
        note=note.strip(),
        in_person=in_person,
    )


@transaction.atomic
def case_window_reject(*, case: Case, by: User, reason: str, in_person: bool | None = None) -> Case:
    """Refuse to accept (不予受理) with a reason; at the window that is a trip too."""
    _clerk_only(by)
    _hand_in_draft(case, by)
    # Refuses a case past intake (409) before an empty reason (400).
    case = case_reject(case=case, by=by, reason=reason or "")
    if in_person if in_person is not None else case.channel == Channel.WINDOW:
        visit_record(case=case, by=by, kind=VisitKind.INTAKE, on=timezone.localdate())
    return case


@transaction.atomic
def case_window_resubmit(*, case: Case, by: User, marks: list[ChecklistMark]) -> Case:
    """The applicant brings what the notice asked for: record it and resubmit (a trip).

    Before acceptance the case is submitted afresh and waits for the clerk's decision; an
    accepted case goes back to the departments that returned it.
    """
    _clerk_only(by)
    checklist_record(case=case, by=by, marks=[m for m in marks if m.state == RECEIVED])
    case = case_resubmit(case=case, by=by)
    visit_record(case=case, by=by, kind=VisitKind.SUPPLEMENT, on=timezone.localdate())
    return case
