"""Helpers (代办员) and the first responsible person (首接负责制).

A helper files for a resident who asks: the resident is the applicant, the helper the agent
(from the helper's own account) and the case is taken in at the helper's hall, if that hall
may take the matter in. The resident's authorisation is either the signed 委托书 uploaded as
the power of attorney, or the resident's own confirmation online; the case is not submitted
without one of them.

The first staff member who takes a case on is its first responsible person, set once in the
transaction that takes it on (the helper's filing, the clerk's window filing, the clerk's
acceptance of an online case); only ``case_reassign_first_responsible`` changes it after.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.language import recorded
from accounts.models import User
from halls.availability import may_take_in
from matters.models import Matter

from ..access import can_authorise_helper, can_reassign_first_responsible, is_applicant_account
from ..events import CaseAction
from ..exceptions import (
    AuthorisationMissingError,
    CasePermissionError,
    NotHelperCaseError,
    NotTakenInHereError,
)
from ..models import (
    IN_HAND,
    POWER_OF_ATTORNEY_CODE,
    Case,
    CaseMaterial,
    CaseStatus,
    HelperAuthorisation,
    fsm_sources,
)
from ._core import lock_case, record_event, refuse
from .applicants import power_of_attorney_type

# Statuses after which nobody answers for the case any more.
FINISHED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.REJECTED)


def helper_intake_hall(helper: User, matters: list[Matter]):
    """The helper's hall, when it may take in every one of ``matters``; else refused (403)."""
    hall = helper.hall
    if hall is None:
        raise NotTakenInHereError(
            _("您的账户尚未指定所在网点，不能代办申请。请联系管理人员。"),
            code="helper_without_hall",
        )
    refused = [matter.name for matter in matters if not may_take_in(matter, hall)]
    if refused:
        raise NotTakenInHereError(
            _("%(hall)s不能受理：%(matters)s。请引导申请人到可以办理的网点。")
            % {"hall": hall.name, "matters": "、".join(refused)}
        )
    return hall


def helper_agent_fields(helper: User) -> dict:
    """The agent of a helper's filing is the helper, from their own account."""
    return {
        "agent_name": helper.display_name,
        # A member of staff acts by their role, not their own identity: their ID number is
        # not copied onto every resident's case.
        "agent_id_number": "",
        "agent_phone": helper.phone,
    }


def offer_power_of_attorney(case: Case) -> None:
    """A helper's case has a place for the signed 委托书 (not required: the resident may
    confirm online instead)."""
    material_type = power_of_attorney_type()
    if case.materials.filter(material_type=material_type).exists():
        return
    last = case.materials.order_by("-order").values_list("order", flat=True).first()
    CaseMaterial.objects.create(
        case=case,
        requirement=None,
        material_type=material_type,
        order=(last or 0) + 1,
        required=False,
    )


def helper_authorised(case: Case, materials: list[CaseMaterial]) -> bool:
    """The resident authorised the helper: the 委托书 is in (of ``materials``, the case's
    materials read with their types) or they confirmed online."""
    if any(
        m.material_type.code == POWER_OF_ATTORNEY_CODE and m.status in IN_HAND for m in materials
    ):
        return True
    # Only a confirmation by the applicant's own account counts: not one given for an
    # applicant the draft no longer names.
    given = HelperAuthorisation.objects.filter(case=case).select_related("given_by").first()
    return given is not None and is_applicant_account(given.given_by, case)


def authorisation_missing_error(
    case: Case, missing: list[CaseMaterial]
) -> AuthorisationMissingError:
    """The refusal of an unauthorised helper's filing, naming the materials missing too."""
    rows = [{"requirement": m.requirement_id, "name": m.material_type.name} for m in missing]
    detail = _(
        "代办须经申请人授权：请上传申请人签署的授权委托书，或请申请人登录本人账户在线确认代办授权。"
    )
    if missing:
        detail = (
            _("以下材料尚未提交：%(names)s。") % {"names": "、".join(row["name"] for row in rows)}
            + detail
        )
    rows.append({"requirement": None, "name": _("代办授权（授权委托书或申请人在线确认）")})
    return AuthorisationMissingError(detail, rows)


@transaction.atomic
def case_authorise_helper(*, case: Case, by: User) -> Case:
    """The resident confirms online that the helper carrying the case files it for them.

    Before acceptance only (afterwards the window has checked the authorisation); given twice
    it is recorded once.
    """
    case = lock_case(case)
    if case.helper_id is None:
        raise NotHelperCaseError(_("该办件不是代办员代办的办件，无需确认代办授权。"))
    if not can_authorise_helper(by, case):
        raise CasePermissionError(_("代办授权须由申请人本人登录确认。"), code="not_applicant")
    if case.status not in fsm_sources(Case, "submit", "accept"):
        raise refuse(case, CaseAction.HELPER_AUTHORISED)
    if HelperAuthorisation.objects.filter(case=case).exists():
        return case
    now = timezone.now()
    HelperAuthorisation.objects.create(case=case, given_by=by, given_at=now)
    helper = case.helper
    record_event(
        case,
        action=CaseAction.HELPER_AUTHORISED,
        by=by,
        note=recorded(
            "申请人于%(at)s在线确认委托代办员%(helper)s代为办理。",
            {
                "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                "helper": helper.display_name,
            },
        ),
    )
    return case


def first_responsible_take(case: Case, by: User | None) -> None:
    """``by`` took the case on: the first responsible person unless there is one already
    (on the locked case; the caller saves it)."""
    if by is not None and case.first_responsible_id is None:
        case.first_responsible = by


def _staff_member(username: str) -> User:
    """The clerk or helper a case may be reassigned to, or a field error."""
    person = (
        User.objects.filter(
            username=(username or "").strip(),
            is_active=True,
            groups__name__in=(roles.CLERK, roles.HELPER),
        )
        .select_related("hall")
        .first()
    )
    if person is None:
        raise ValidationError({"username": [_("没有该用户名的在岗窗口人员或代办员。")]})
    return person


@transaction.atomic
def case_reassign_first_responsible(*, case: Case, by: User, username: str, reason: str) -> Case:
    """Hand the case to another first responsible person (a clerk or a helper), recording
    who did it, from whom, to whom and why. Refused for a finished case (409)."""
    case = lock_case(case)
    if not can_reassign_first_responsible(by, case):
        raise CasePermissionError(_("只有窗口人员、监察人员或现首接责任人可以变更首接责任人。"))
    if case.status in FINISHED:
        raise refuse(case, CaseAction.FIRST_RESPONSIBLE_CHANGED)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("请填写变更首接责任人的理由。")]
    try:
        person = _staff_member(username)
    except ValidationError as error:
        errors.update(error.message_dict)
        person = None
    if person is not None and person.pk == case.first_responsible_id:
        errors["username"] = [_("该人员已是本办件的首接责任人。")]
    if errors:
        raise ValidationError(errors)
    before = case.first_responsible
    case.first_responsible = person
    case.save(update_fields=["first_responsible", "updated_at"])
    record_event(
        case,
        action=CaseAction.FIRST_RESPONSIBLE_CHANGED,
        by=by,
        note=recorded(
            "首接责任人由%(from)s变更为%(to)s。理由：%(reason)s",
            {
                "from": before.display_name if before else recorded("（无）"),
                "to": person.display_name,
                "reason": reason,
            },
        ),
        payload={
            "from": before.pk if before else None,
            "from_name": before.display_name if before else "",
            "to": person.pk,
            "to_name": person.display_name,
            "reason": reason,
        },
    )
    return case
