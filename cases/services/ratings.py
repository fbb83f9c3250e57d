"""Ratings on the national five levels (好差评) and the follow-up of bad ones."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import recorded
from accounts.models import User
from matters.calendar import add_working_days

from ..access import can_rate, is_approver, is_supervisor
from ..events import CaseAction
from ..exceptions import (
    CaseError,
    CasePermissionError,
    InvalidTransitionError,
    NotApplicantError,
)
from ..models import (
    Case,
    Channel,
    FollowUp,
    FollowUpOutcome,
    Rating,
    RatingAbout,
    RatingScore,
)
from ._core import lock_case, record_event


class AlreadyRatedError(CaseError):
    status_code = 409
    code = "already_rated"


RATING_LINK_SALT = "cases.rating-link"


class RatingLinkError(CaseError):
    """The rating link is not one the hall made (or names no case)."""

    status_code = 404
    code = "rating_link_invalid"


class RatingLinkExpiredError(CaseError):
    status_code = 410
    code = "rating_link_expired"


def rating_link_token(case: Case) -> str:
    """A signed token that lets whoever holds it rate ``case`` once, until it expires.

    The window's screen or the receipt's QR code carries it, so the applicant rates on a
    device they touch, not on the clerk's screen.
    """
    return signing.TimestampSigner(salt=RATING_LINK_SALT).sign(case.number)


def rating_link_case(token: str) -> Case:
    """The case a rating link is for; refused when forged or expired."""
    signer = signing.TimestampSigner(salt=RATING_LINK_SALT)
    try:
        number = signer.unsign(token, max_age=settings.RATING_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise RatingLinkExpiredError(
            _("评价链接已过期，请到窗口重新获取，或登录网上大厅在“我的办件”中评价。")
        ) from None
    except signing.BadSignature:
        raise RatingLinkError(_("评价链接无效。")) from None
    case = Case.objects.select_related("matter", "bundle").filter(number=number).first()
    if case is None:
        raise RatingLinkError(_("评价链接无效。"))
    return case


def _rate(
    case: Case, *, by: User | None, score: int, comment: str, about: str, channel: str
) -> Rating:
    if not case.is_issued:
        raise InvalidTransitionError(_("办件出件后才能评价。"), extra={"status": case.status})
    if score not in RatingScore.values:
        raise ValidationError({"score": [_("评价应为1至5分（非常不满意至非常满意）。")]})
    if about not in RatingAbout.values:
        raise ValidationError({"about": [_("请选择评价对象：部门审批或窗口服务。")]})
    if Rating.objects.filter(case=case).exists():
        raise AlreadyRatedError(_("该办件已经评价过了。"))
    rating = Rating.objects.create(case=case, score=score, comment=comment.strip(), channel=channel)
    record_event(
        case,
        action=CaseAction.RATING,
        by=by,
        note=recorded("评价：%(label)s", {"label": RatingScore(score).label}),
    )
    if rating.is_bad:
        window = about == RatingAbout.WINDOW
        FollowUp.objects.create(
            rating=rating,
            about=about,
            # The window's service is the hall's to answer for, not the lead department's.
            department=None if window else case.lead_department,
            due_date=add_working_days(timezone.localdate(), settings.FOLLOW_UP_WORKING_DAYS),
        )
    return rating


@transaction.atomic
def rating_create(
    *,
    case: Case,
    by: User,
    score: int,
    comment: str = "",
    about: str = RatingAbout.DECISION,
) -> Rating:
    """The applicant rates a case once, online, after its result is ready.

    Staff never rate (403 ``not_applicant``): at the window the applicant rates on a device
    they touch through ``rating_create_by_link``. A bad rating opens a follow-up: about the
    decision for the lead department, about the window's service for the hall.
    """
    case = lock_case(case)
    if not can_rate(by, case):
        raise NotApplicantError(_("只有申请人本人可以评价此办件。"))
    return _rate(case, by=by, score=score, comment=comment, about=about, channel=Channel.ONLINE)


@transaction.atomic
def rating_create_by_link(
    *, token: str, score: int, comment: str = "", about: str = RatingAbout.WINDOW
) -> Rating:
    """The applicant rates at the window, on the rating page a signed link opens (no login).

    The link is single use because a case is rated once.
    """
    case = lock_case(rating_link_case(token))
    return _rate(case, by=None, score=score, comment=comment, about=about, channel=Channel.WINDOW)


@transaction.atomic
def follow_up_record(
    *, follow_up: FollowUp, by: User, callback_note: str, outcome: str
) -> FollowUp:
    """The department (or, about the window's service, the hall's supervisors) records its
    call-back and outcome: rectified, explained (closed), or appealed as invalid (a
    supervisor decides)."""
    follow_up = FollowUp.objects.select_for_update(of=("self",)).get(pk=follow_up.pk)
    department_id = follow_up.department_id
    lead_approver = (
        is_approver(by) and department_id is not None and by.department_id == department_id
    )
    if not (lead_approver or is_supervisor(by)):
        raise CasePermissionError(_("只有责任部门或监察人员可以处理差评整改。"))
    if follow_up.closed_at is not None:
        raise InvalidTransitionError(_("该差评整改已经办结。"))
    if outcome not in FollowUpOutcome.values:
        raise ValidationError({"outcome": [_("请选择处理结果。")]})
    if not callback_note.strip():
        raise ValidationError({"callback_note": [_("请填写回访记录。")]})
    follow_up.callback_note = callback_note.strip()
    follow_up.outcome = outcome
    if outcome != FollowUpOutcome.APPEALED:
        follow_up.closed_by = by
        follow_up.closed_at = timezone.now()
    follow_up.save()
    return follow_up


@transaction.atomic
def follow_up_decide_appeal(*, follow_up: FollowUp, by: User, upheld: bool) -> FollowUp:
    """A supervisor decides an appeal that the bad rating is invalid; either way it closes."""
    follow_up = FollowUp.objects.select_for_update(of=("self",)).get(pk=follow_up.pk)
    if not is_supervisor(by):
        raise CasePermissionError(_("只有监察人员可以裁定申诉。"))
    if follow_up.outcome != FollowUpOutcome.APPEALED or follow_up.closed_at is not None:
        raise InvalidTransitionError(_("该差评整改没有待裁定的申诉。"))
    follow_up.appeal_upheld = upheld
    follow_up.closed_by = by
    follow_up.closed_at = timezone.now()
    follow_up.save()
    return follow_up
