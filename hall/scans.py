"""The hall's scheduled scans: services that Celery beat runs through ``hall/tasks.py``.

- ``deadlines_scan``: yellow (80 % of the time limit used) and red (overdue) warnings on cases
  under review, to the approvers of every department whose review is still open and to the
  supervisors, each once per case and colour.
- ``deferred_materials_remind``: the applicant is told 2 working days before materials
  deferred at acceptance (容缺受理) are due.
- ``follow_ups_remind``: the department's approvers are told when the follow-up of a bad
  rating (差评整改) nears its due date.

Each scan is a small function that only records notices; each is safe to run twice, at once
or a day later: "once" is the outbox's unique key ``(key, channel, recipient)``, with keys
such as ``deadline:<case>:<colour>``. A scan reads in a fixed number of queries whatever the
number of cases, and skips what the outbox already holds before creating anything, so a repeat
run costs those few queries. Sending is the outbox's business, after commit.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import SUPERVISOR
from accounts.selectors import active_approvers
from cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    FollowUp,
    Review,
    ReviewStatus,
)
from cases.services import deadline_colour
from cases.services.deadlines import RED, YELLOW
from matters.calendar import add_working_days
from notices.models import Channel, Notice
from notices.services import has_template, notice_create

from .reactions import case_context

# The applicant hears this many working days before deferred materials are due.
DEFERRED_REMINDER_WORKING_DAYS = 2
# The department hears this many working days before a follow-up is due.
FOLLOW_UP_REMINDER_WORKING_DAYS = 2


@dataclass(frozen=True)
class Wanted:
    """A notice a scan wants to exist (created unless the outbox has it already)."""

    key: str
    channel: str
    template: str
    context: dict = field(hash=False, compare=False)
    recipient: User | None = None
    address: str = ""

    @property
    def recipient_key(self) -> str:
        # As ``notice_create`` keys it: the account, else the address.
        return f"user:{self.recipient.pk}" if self.recipient is not None else self.address


def _to_applicant(case: Case, key: str, template: str, context: dict) -> list[Wanted]:
    wanted = []
    if case.applicant_phone:
        wanted.append(Wanted(key, Channel.SMS, template, context, address=case.applicant_phone))
    if case.owner_id:
        wanted.append(Wanted(key, Channel.INBOX, template, context, recipient=case.owner))
        # Select ``owner__notice_email`` with the case: the confirmed address, if any.
        email = getattr(getattr(case.owner, "notice_email", None), "email", "")
        if email and has_template(template, Channel.EMAIL):
            wanted.append(
                Wanted(key, Channel.EMAIL, template, context, recipient=case.owner, address=email)
            )
    return wanted


def _to_staff(users, key: str, template: str, context: dict) -> list[Wanted]:
    wanted = []
    for user in users:
        wanted.append(Wanted(key, Channel.INBOX, template, context, recipient=user))
        if user.phone:
            wanted.append(Wanted(key, Channel.SMS, template, context, recipient=user))
    return wanted


def create_missing(wanted: list[Wanted]) -> int:
    """Create the wanted notices the outbox does not hold yet; return how many.

    One query finds those that exist; the rest go through ``notice_create`` in one
    transaction, whose unique key still decides if another scan races this one.
    """
    if not wanted:
        return 0
    existing = set(
        Notice.objects.filter(key__in={item.key for item in wanted}).values_list(
            "key", "channel", "recipient_key"
        )
    )
    missing = [
        item
        for item in dict.fromkeys(wanted)
        if (item.key, item.channel, item.recipient_key) not in existing
    ]
    if not missing:
        return 0
    created = 0
    with transaction.atomic():
        for item in missing:
            notice = notice_create(
                key=item.key,
                channel=item.channel,
                template=item.template,
                context=item.context,
                recipient=item.recipient,
                address=item.address,
            )
            created += notice is not None
    return created


def _approvers_by_department(department_ids) -> dict[int, list[User]]:
    by_department: dict[int, list[User]] = defaultdict(list)
    approvers = active_approvers().filter(department_id__in=set(department_ids)).distinct()
    for user in approvers.order_by("pk"):
        by_department[user.department_id].append(user)
    return by_department


def deadlines_scan(*, today: datetime.date | None = None) -> int:
    """Warn of cases under review that turned yellow or red; return the notices created.

    Goes to the approvers of each department whose review is still open and to every
    supervisor. Once per case and colour (key ``deadline:<case>:<colour>``): a case that is
    first seen red gets the red warning only; a case going yellow, then red, gets one of each.
    Five queries to read, whatever the number of cases.
    """
    today = today or timezone.localdate()
    cases = list(
        Case.objects.filter(
            status=CaseStatus.IN_REVIEW,
            clock_stopped_on__isnull=True,
            deadline__isnull=False,
        )
        .filter(Q(warning_on__lte=today) | Q(deadline__lt=today))
        .select_related("matter", "bundle")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(status=ReviewStatus.PENDING).order_by(
                    "department_id"
                ),
                to_attr="open_reviews",
            )
        )
        .order_by("deadline", "pk")
    )
    if not cases:
        return 0
    approvers = _approvers_by_department(
        review.department_id for case in cases for review in case.open_reviews
    )
    supervisors = list(
        User.objects.filter(groups__name=SUPERVISOR, is_active=True).distinct().order_by("pk")
    )
    wanted: list[Wanted] = []
    for case in cases:
        colour = deadline_colour(case.deadline, case.warning_on, today, stopped=case.clock_stopped)
        if colour not in (YELLOW, RED):
            continue
        recipients = {
            user.pk: user
            for review in case.open_reviews
            for user in approvers.get(review.department_id, [])
        }
        recipients.update((user.pk, user) for user in supervisors)
        wanted += _to_staff(
            recipients.values(),
            f"deadline:{case.pk}:{colour}",
            f"deadline_{colour}",
            {**case_context(case), "colour": colour, "today": today},
        )
    return create_missing(wanted)


def _days_left(today: datetime.date, horizon_days: int):
    """``days_left(due)``: working days in ``(today, due]``, for dues up to the horizon."""
    steps = [add_working_days(today, n) for n in range(1, horizon_days + 1)]
    return lambda due: sum(1 for step in steps if step <= due)


def deferred_materials_remind(*, today: datetime.date | None = None) -> int:
    """Tell applicants whose deferred materials are due within 2 working days; return the
    notices created.

    One notice per case and due date, naming every material still deferred to it (all the
    deferrals of an acceptance share one due date), so each material is reminded of once
    (key ``deferred-due:<case>:<due date>``).
    """
    today = today or timezone.localdate()
    horizon = add_working_days(today, DEFERRED_REMINDER_WORKING_DAYS)
    materials = (
        CaseMaterial.objects.deferred_open()
        .filter(due_date__gte=today, due_date__lte=horizon)
        .select_related(
            "case",
            "case__matter",
            "case__bundle",
            "case__owner__notice_email",
            "material_type",
        )
        .order_by("case_id", "due_date", "order", "pk")
    )
    groups: dict[tuple[int, datetime.date], list[CaseMaterial]] = defaultdict(list)
    for material in materials:
        groups[material.case_id, material.due_date].append(material)
    days_left = _days_left(today, DEFERRED_REMINDER_WORKING_DAYS)
    wanted: list[Wanted] = []
    for (_case_id, due_date), items in groups.items():
        case = items[0].case
        context = {
            **case_context(case),
            "materials": [material.material_type.name for material in items],
            "due_date": due_date,
            "days_left": days_left(due_date),
        }
        wanted += _to_applicant(
            case, f"deferred-due:{case.pk}:{due_date:%Y%m%d}", "deferred_due", context
        )
    return create_missing(wanted)


def follow_ups_remind(*, today: datetime.date | None = None) -> int:
    """Tell the responsible department's approvers of bad-rating follow-ups due within 2
    working days that they have not answered yet; return the notices created.

    Once per follow-up (key ``follow-up-due:<follow-up>``).
    """
    today = today or timezone.localdate()
    horizon = add_working_days(today, FOLLOW_UP_REMINDER_WORKING_DAYS)
    follow_ups = list(
        FollowUp.objects.filter(
            closed_at__isnull=True, outcome="", due_date__gte=today, due_date__lte=horizon
        )
        .select_related("department", "rating__case__matter", "rating__case__bundle")
        .order_by("due_date", "pk")
    )
    approvers = _approvers_by_department(follow_up.department_id for follow_up in follow_ups)
    days_left = _days_left(today, FOLLOW_UP_REMINDER_WORKING_DAYS)
    wanted: list[Wanted] = []
    for follow_up in follow_ups:
        case = follow_up.rating.case
        context = {
            **case_context(case),
            "department": follow_up.department.name,
            "due_date": follow_up.due_date,
            "days_left": days_left(follow_up.due_date),
        }
        wanted += _to_staff(
            approvers.get(follow_up.department_id, []),
            f"follow-up-due:{follow_up.pk}",
            "follow_up_due",
            context,
        )
    return create_missing(wanted)
