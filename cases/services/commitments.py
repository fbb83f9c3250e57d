"""The 容缺 commitment an online applicant gives on their case page (容缺受理承诺).

A walk-in applicant signs the paper 承诺书 at the window and the clerk records it; an online
applicant reads the commitment (which materials, by when) and confirms it themselves. The
window may accept an online case with deferred materials only on that commitment
(``case_accept``).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import recorded
from accounts.models import User
from matters.calendar import add_working_days

from ..access import can_commit_deferral
from ..events import CaseAction
from ..exceptions import CasePermissionError
from ..models import Case, CaseMaterial, DeferralCommitment, MaterialStatus
from ._core import lock_case, record_event, refuse
from .deadlines import WorkingDays

# The due date offered first: five working days, as the guides' 容缺 scopes usually say.
DEFAULT_COMMITMENT_DAYS = 5
# The latest day an applicant may promise online (working days from today): a deferral is a
# short grace, not an open-ended postponement the window must then accept.
LONGEST_COMMITMENT_DAYS = 20


def committable_materials(materials: list[CaseMaterial]) -> list[CaseMaterial]:
    """Of a case's materials, those the applicant may commit to bring later: required,
    deferrable by the guide, not a key material, not in yet."""
    return [
        m
        for m in materials
        if m.required and m.deferrable and not m.key and m.status == MaterialStatus.MISSING
    ]


def default_commitment_date(today: datetime.date | None = None) -> datetime.date:
    return add_working_days(today or timezone.localdate(), DEFAULT_COMMITMENT_DAYS)


def commitment_text(names: list[str], due_date: datetime.date | None) -> str:
    """The words the applicant confirms (and the 承诺书 repeats): a record, kept in Chinese.
    Without a date (a preview before one is chosen) they say "the date chosen"."""
    due = (
        f"{due_date.year}年{due_date.month}月{due_date.day}日"
        if due_date
        else recorded("所选补齐日期")
    )
    return recorded(
        "本人承诺于%(due)s前补齐以下材料：%(names)s；材料补齐前，办理结果不予出件；逾期未补齐的，"
        "愿意承担办件终止办理等相应后果；所提交的其他申请材料真实、合法、有效。",
        {"due": due, "names": "、".join(names)},
    )


@transaction.atomic
def case_commit_deferral(*, case: Case, by: User, due_date: datetime.date) -> DeferralCommitment:
    """The online applicant commits to bring every deferrable material still missing by
    ``due_date`` (a working day after today). Recorded with who and when; given again, it
    replaces the earlier one."""
    case = lock_case(case)
    if not can_commit_deferral(by, case):
        raise CasePermissionError(
            _("容缺承诺只能由申请人本人或其委托的代办人在线作出；窗口申请请在窗口签署承诺书。")
        )
    if not case.commitment_open:
        raise refuse(case, CaseAction.DEFERRAL_COMMITTED)
    materials = committable_materials(list(case.materials.select_related("material_type")))
    if not materials:
        raise ValidationError({"materials": [_("本办件没有可以容缺后补的材料。")]})
    if due_date is None:
        raise ValidationError({"due_date": [_("请选择承诺补齐的日期。")]})
    if due_date <= timezone.localdate():
        raise ValidationError({"due_date": [_("补齐日期须晚于今天。")]})
    latest = add_working_days(timezone.localdate(), LONGEST_COMMITMENT_DAYS)
    if due_date > latest:
        raise ValidationError(
            {
                "due_date": [
                    _("补齐日期最晚为%(date)s（%(n)d个工作日内）。")
                    % {"date": latest.isoformat(), "n": LONGEST_COMMITMENT_DAYS}
                ]
            }
        )
    if not WorkingDays(timezone.localdate()).includes(due_date):
        raise ValidationError(
            {"due_date": [_("补齐日期%(date)s不是工作日，请选择工作日。") % {"date": due_date}]}
        )
    text = commitment_text([m.material_type.name for m in materials], due_date)
    commitment, _created = DeferralCommitment.objects.update_or_create(
        case=case,
        defaults={
            "requirement_ids": [m.requirement_id for m in materials],
            "due_date": due_date,
            "text": text,
            "given_by": by,
            "given_at": timezone.now(),
        },
    )
    record_event(
        case,
        action=CaseAction.DEFERRAL_COMMITTED,
        by=by,
        note=text,
        payload={
            "requirement_ids": commitment.requirement_ids,
            "due_date": due_date.isoformat(),
        },
    )
    return commitment
