"""What the clerk does at the window, in one go, through the case services' public doors.

- Going down the checklist: a material received on paper (original or copy, how many copies)
  with no scan, or missing with its reason (``cases.services.material_receive`` and
  ``material_mark_missing``).
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
from cases.access import is_clerk
from cases.exceptions import CasePermissionError
from cases.models import Case, Channel, VisitKind
from cases.services import (
    MAX_COPIES,
    RECEIVABLE_FORMS,
    case_accept,
    case_hand_in,
    case_reject,
    case_request_supplement,
    case_require_transition,
    case_resubmit,
    material_mark_missing,
    material_mark_not_applicable,
    material_receive,
    visit_record,
)
from matters.models import MaterialForm

RECEIVED, MISSING, DEFERRED, NOT_APPLICABLE = "received", "missing", "deferred", "none"
__all__ = [
    "DEFERRED",
    "MAX_COPIES",
    "MISSING",
    "NOT_APPLICABLE",
    "RECEIVABLE_FORMS",
    "RECEIVED",
    "ChecklistMark",
    "case_window_accept",
    "case_window_notice",
    "case_window_reject",
    "case_window_resubmit",
    "checklist_record",
]


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


@transaction.atomic
def checklist_record(*, case: Case, by: User, marks: list[ChecklistMark]) -> None:
    """Record the checklist as the clerk marked it (received, missing with a reason, or not
    applicable)."""
    for mark in marks:
        if mark.state == RECEIVED:
            material_receive(
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
        elif mark.state == NOT_APPLICABLE:
            material_mark_not_applicable(case=case, by=by, requirement_id=mark.requirement_id)


@transaction.atomic
def case_window_accept(
    *,
    case: Case,
    by: User,
    marks: list[ChecklistMark],
    due_date: datetime.date | None = None,
    commitment: str = "",
    in_person: bool | None = None,
    valid_until: dict | None = None,
) -> Case:
    """Record the checklist and accept (受理); the materials marked deferred are deferred on
    the applicant's commitment (容缺受理). A window draft is handed in first. ``valid_until``:
    requirement id → a document's own expiry (its stay in the materials locker)."""
    _clerk_only(by)
    checklist_record(case=case, by=by, marks=marks)
    case_hand_in(case=case, by=by)
    deferred = [mark.requirement_id for mark in marks if mark.state == DEFERRED]
    return case_accept(
        case=case,
        by=by,
        deferred=deferred,
        due_date=due_date,
        commitment=commitment,
        in_person=in_person,
        valid_until=valid_until,
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
    case_hand_in(case=case, by=by)
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
    case_hand_in(case=case, by=by)
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
