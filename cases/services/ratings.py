"""Ratings on the national five levels (好差评) and the follow-up of bad ones."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from matters.calendar import add_working_days

from ..access import is_approver, is_clerk, is_supervisor
from ..exceptions import CaseError, CasePermissionError, InvalidTransitionError
from ..models import (
    Case,
    CaseStatus,
    Channel,
    FollowUp,
    FollowUpOutcome,
    Rating,
    RatingScore,
)
from ._core import lock_case, record_event

RATEABLE = (CaseStatus.READY, CaseStatus.IN_TRANSIT, CaseStatus.CLOSED)


class AlreadyRatedError(CaseError):
    status_code = 409
    code = "already_rated"


@transaction.atomic
def rating_create(*, case: Case, by: User, score: int, comment: str = "") -> Rating:
    """Rate a case once, after its result is ready: online by the applicant, or at the
    window by a clerk. A bad rating opens a follow-up for the lead department."""
    if score not in RatingScore.values:
        raise ValidationError({"score": [_("评价应为1至5分（非常不满意至非常满意）。")]})
    case = lock_case(case)
    if case.owner_id == by.pk:
        channel = Channel.ONLINE
    elif is_clerk(by):
        channel = Channel.WINDOW
    else:
        raise CasePermissionError(_("只有申请人可以评价此办件。"))
    if case.status not in RATEABLE:
        raise InvalidTransitionError(_("办件出件后才能评价。"), extra={"status": case.status})
    if Rating.objects.filter(case=case).exists():
        raise AlreadyRatedError(_("该办件已经评价过了。"))
    rating = Rating.objects.create(case=case, score=score, comment=comment.strip(), channel=channel)
    record_event(
        case,
        action="rating",
        by=by,
        note=_("评价：%(label)s") % {"label": RatingScore(score).label},
    )
    if rating.is_bad:
        FollowUp.objects.create(
            rating=rating,
            department=case.lead_department,
            due_date=add_working_days(timezone.localdate(), settings.FOLLOW_UP_WORKING_DAYS),
        )
    return rating


@transaction.atomic
def follow_up_record(
    *, follow_up: FollowUp, by: User, callback_note: str, outcome: str
) -> FollowUp:
    """The department records its call-back and outcome: rectified, explained (closed), or
    appealed as invalid (a supervisor decides)."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not ((is_approver(by) and by.department_id == follow_up.department_id) or is_supervisor(by)):
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
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not is_supervisor(by):
        raise CasePermissionError(_("只有监察人员可以裁定申诉。"))
    if follow_up.outcome != FollowUpOutcome.APPEALED or follow_up.closed_at is not None:
        raise InvalidTransitionError(_("该差评整改没有待裁定的申诉。"))
    follow_up.appeal_upheld = upheld
    follow_up.closed_by = by
    follow_up.closed_at = timezone.now()
    follow_up.save()
    return follow_up
