"""Department reviews in parallel, the case's conclusion, instant decisions at the window,
special procedures (the clock stops) and extensions (延期)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.compiled import update_row
from accounts.language import recorded
from accounts.models import User

from ..access import is_approver, is_clerk, is_supervisor
from ..counters import material_status_changed
from ..events import CaseAction
from ..exceptions import CasePermissionError, InvalidTransitionError
from ..models import (
    Case,
    CaseMaterial,
    CaseStatus,
    Extension,
    ExtensionStatus,
    MaterialStatus,
    Review,
    ReviewStatus,
    SpecialProcedure,
    SpecialProcedureKind,
)
from ._core import (
    case_require_transition,
    lock_case,
    missing_payload,
    record_event,
    refuse,
    run_transition,
)
from .deadlines import refresh_deadline, resume_clock, stop_clock
from .intake import material_in

DECISIONS = {
    "approve": "approve",
    "return": "return_for_supplement",
    "deny": "deny",
}
REVIEW_ACTIONS = {
    "approve": CaseAction.REVIEW_APPROVE,
    "return": CaseAction.REVIEW_RETURN,
    "deny": CaseAction.REVIEW_DENY,
}

# Closing punctuation a quoted opinion drops when opinions are joined into one text.
CLOSING = "。．.；;，, \u3000"


def _require_opinion(opinion: str) -> str:
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError({"opinion": [_("请填写审查意见。")]})
    return opinion


def _check_department_approver(by: User, department_id: int) -> None:
    if not (is_approver(by) and by.department_id == department_id):
        raise CasePermissionError(_("只有本部门的审批人员可以处理该审查。"))


@transaction.atomic
def review_decide(
    *,
    review: Review,
    by: User,
    decision: str,
    opinion: str,
    missing: list[int] | None = None,
) -> Review:
    """Approve, return for supplement or deny one department's review.

    Locks the case row first, so that two approvers deciding the last two reviews at the
    same moment conclude the case once.
    """
    case = lock_case(review.case_id)
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("department")
        .get(pk=review.pk)
    )
    # The case as locked (with its matter or bundle): the answer shows it as this step leaves it.
    review.case = case
    _check_department_approver(by, review.department_id)
    # Reviews are decided while the case waits for its conclusion.
    case_require_transition(case, "conclude")
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("未知的审查结论。")]})
    opinion = _require_opinion(opinion)
    kwargs = {"by": by, "at": timezone.now(), "opinion": opinion}
    materials = None
    if decision == "return":
        if not missing:
            raise ValidationError({"missing": [_("退回补正须列出需补正的材料。")]})
        materials = list(case.materials.select_related("material_type"))
        for requirement_id in missing:
            material_in(case, materials, requirement_id)
        kwargs["missing"] = list(missing)
    try:
        getattr(review, DECISIONS[decision])(**kwargs)
    except TransitionNotAllowed:
        raise InvalidTransitionError(_("该审查已经处理过了。")) from None
    # Locked above: the event's INSERT just below carries the decision's UPDATE.
    if not update_row(review, _DECIDED, later=True):
        review.save(update_fields=_DECIDED)
    record_event(
        case,
        action=REVIEW_ACTIONS[decision],
        by=by,
        note=f"{review.department.name}：{opinion}",
    )
    _conclude_if_all_decided(case, materials)
    return review


# What a decision writes (``Review.approve``, ``deny``, ``return_for_supplement``).
_DECIDED = ("status", "opinion", "missing", "decided_by", "decided_at")


def _conclude_if_all_decided(case: Case, materials: list[CaseMaterial] | None = None) -> None:
    # Loaded onto the case (after this step's decision was saved, under the case's lock) so
    # that the state machine's guard reads them too.
    getattr(case, "_prefetched_objects_cache", {}).pop("reviews", None)
    prefetch_related_objects(
        [case], Prefetch("reviews", queryset=Review.objects.select_related("department"))
    )
    reviews = list(case.reviews.all())
    outcome = Case.conclusion_for(review.status for review in reviews)
    if outcome is None:
        return
    now = timezone.now()
    denied = [r for r in reviews if r.status == ReviewStatus.DENIED]
    returned = [r for r in reviews if r.status == ReviewStatus.RETURNED]
    if outcome == CaseStatus.DENIED:
        # Joined opinions lose their own closing stops: no "。；" between them.
        note = "；".join(f"{r.department.name}：{r.opinion.rstrip(CLOSING)}" for r in denied)
        run_transition(
            case,
            CaseAction.CONCLUDE,
            by=None,
            note=note,
            decision_note=note,
            outcome=CaseStatus.DENIED,
            at=now,
        )
    elif outcome == CaseStatus.SUPPLEMENT_REQUIRED:
        # One merged list of everything every returning department asked for.
        asked: dict[int, list[str]] = {}
        for review in returned:
            for requirement_id in review.missing:
                asked.setdefault(requirement_id, []).append(
                    f"{review.department.short_name or review.department.name}："
                    f"{review.opinion.rstrip(CLOSING)}"
                )
        names = []
        if materials is None:
            materials = list(case.materials.select_related("material_type"))
        for requirement_id, reasons in asked.items():
            material = material_in(case, materials, requirement_id)
            material_status_changed(case, material.status, MaterialStatus.MISSING)
            material.status = MaterialStatus.MISSING
            material.reason = "；".join(reasons)[:300]
            material.save(update_fields=["status", "reason"])
            names.append(material.material_type.name)
        stop_clock(case, timezone.localdate(now))
        run_transition(
            case,
            CaseAction.CONCLUDE,
            by=None,
            note=recorded("需补正：%(names)s", {"names": "、".join(names)}),
            payload={"missing": missing_payload(case, materials=materials)},
            outcome=CaseStatus.SUPPLEMENT_REQUIRED,
            at=now,
        )
    else:
        run_transition(case, CaseAction.CONCLUDE, by=None, outcome=CaseStatus.APPROVED, at=now)


@transaction.atomic
def case_approve_instant(*, case: Case, by: User, opinion: str = "") -> Case:
    """Decide an instant matter (即办件) at the window, in the same visit, with no review.

    Only a clerk authorised for the matter's lead department may.
    """
    case = lock_case(case)
    if not (is_clerk(by) and by.authorised_departments.filter(pk=case.lead_department_id).exists()):
        raise CasePermissionError(_("您未获该部门授权，不能当场办结即办件。"))
    case_require_transition(case, "conclude")
    if not case.is_instant or case.reviews.exists():
        raise refuse(case, "approve_instant")
    opinion = opinion.strip() or _("即办件当场办结。")
    run_transition(
        case,
        CaseAction.CONCLUDE,
        by=by,
        note=opinion,
        decision_note=opinion,
        outcome=CaseStatus.APPROVED,
        at=timezone.now(),
    )
    return case


@transaction.atomic
def special_procedure_start(
    *, case: Case, by: User, kind: str, reason: str, expected_days: int
) -> SpecialProcedure:
    """Start a special procedure (inspection, testing, expert review, hearing): the clock
    stops until it ends, and the applicant is told in writing."""
    case = lock_case(case)
    if not (is_approver(by) and case.reviews.filter(department_id=by.department_id).exists()):
        raise CasePermissionError(_("只有审查部门的审批人员可以启动特别程序。"))
    case_require_transition(case, "conclude")
    if case.clock_stopped:
        raise refuse(case, "special_procedure")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写启动特别程序的理由。")]})
    if expected_days < 1:
        raise ValidationError({"expected_days": [_("预计时长至少1个工作日。")]})
    today = timezone.localdate()
    procedure = SpecialProcedure.objects.create(
        case=case,
        kind=kind,
        reason=reason,
        expected_days=expected_days,
        started_on=today,
        started_by=by,
    )
    stop_clock(case, today)
    case.save(update_fields=["clock_stopped_on", "updated_at"])
    record_event(
        case,
        action=CaseAction.SPECIAL_PROCEDURE_START,
        by=by,
        note=recorded(
            "启动特别程序（%(kind)s，预计%(days)d个工作日），期间不计入办理时限：%(reason)s",
            {
                "kind": SpecialProcedureKind(procedure.kind).label,
                "days": expected_days,
                "reason": reason,
            },
        ),
        payload={
            "procedure": procedure.pk,
            "kind": procedure.kind,
            "days": expected_days,
            "reason": reason,
        },
    )
    return procedure


@transaction.atomic
def special_procedure_end(*, procedure: SpecialProcedure, by: User) -> SpecialProcedure:
    """End a special procedure; the clock runs again with the stopped days added."""
    case = lock_case(procedure.case_id)
    procedure = SpecialProcedure.objects.select_for_update(of=("self",)).get(pk=procedure.pk)
    if not (is_approver(by) and case.reviews.filter(department_id=by.department_id).exists()):
        raise CasePermissionError(_("只有审查部门的审批人员可以结束特别程序。"))
    if procedure.ended_on is not None:
        raise InvalidTransitionError(_("该特别程序已经结束。"))
    today = timezone.localdate()
    procedure.ended_on = today
    procedure.save(update_fields=["ended_on"])
    resume_clock(case, today)
    case.save()
    record_event(
        case,
        action=CaseAction.SPECIAL_PROCEDURE_END,
        by=by,
        note=recorded(
            "特别程序结束，恢复计时，办结期限为%(deadline)s。", {"deadline": case.deadline}
        ),
    )
    return procedure


@transaction.atomic
def extension_request(*, case: Case, by: User, days: int, reason: str) -> Extension:
    """The lead department asks, with a written reason, to extend the limit (延期)."""
    case = lock_case(case)
    if not (is_approver(by) and by.department_id == case.lead_department_id):
        raise CasePermissionError(_("只有主办部门的审批人员可以申请延期。"))
    case_require_transition(case, "conclude")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写延期理由。")]})
    limit = (
        max((m.legal_extension_days for m in _case_matters(case)), default=0) - case.extension_days
    )
    if days < 1 or days > limit:
        raise ValidationError(
            {
                "days": [
                    _("延长天数应在1至%(limit)d个工作日之间（法定可延长期限）。")
                    % {"limit": max(limit, 0)}
                ]
            }
        )
    if case.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
        raise InvalidTransitionError(_("已有一项延期申请待批准。"))
    extension = Extension.objects.create(case=case, days=days, reason=reason, requested_by=by)
    record_event(
        case,
        action=CaseAction.EXTENSION_REQUEST,
        by=by,
        note=recorded("申请延期%(days)d个工作日：%(reason)s", {"days": days, "reason": reason}),
        internal=True,
    )
    return extension


def _case_matters(case: Case):
    if case.matter_id:
        return [case.matter]
    return list(case.bundle.matters.all())


@transaction.atomic
def extension_decide(*, extension: Extension, by: User, grant: bool, note: str = "") -> Extension:
    """A supervisor grants or refuses an extension; the applicant is told."""
    case = lock_case(extension.case_id)
    extension = Extension.objects.select_for_update(of=("self",)).get(pk=extension.pk)
    if not is_supervisor(by):
        raise CasePermissionError(_("只有监察人员可以批准延期。"))
    if extension.status != ExtensionStatus.REQUESTED:
        raise InvalidTransitionError(_("该延期申请已经处理过了。"))
    extension.status = ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED
    extension.decided_by = by
    extension.decision_note = note
    extension.save()
    if grant:
        case.extension_days += extension.days
        refresh_deadline(case)
        case.save()
        message = _(
            "办理时限延长%(days)d个工作日，新的办结期限为%(deadline)s。理由：%(reason)s"
        ) % {
            "days": extension.days,
            "deadline": case.deadline,
            "reason": extension.reason,
        }
    else:
        message = _("延期申请未获批准。%(note)s") % {"note": note}
    record_event(
        case,
        action=CaseAction.EXTENSION_GRANTED if grant else CaseAction.EXTENSION_REFUSED,
        by=by,
        note=message,
        internal=not grant,
        payload={"extension": extension.pk, "days": extension.days, "reason": extension.reason},
    )
    return extension
