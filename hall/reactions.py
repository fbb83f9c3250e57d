"""What follows each case event: the one table of the whole flow.

``cases`` writes a ``CaseEvent`` for every change and announces it (``cases.events``); the
reactions below run inside that same transaction and only record what must happen: notice
rows in the outbox, document records (and the e-licence itself on approval), shipment
records. Sending, rendering and dispatching run after commit in Celery.
Registered at start-up by ``hall.apps.HallConfig.ready``.
"""

import datetime
from functools import partial

from django.conf import settings

from accounts.compiled import rows_by
from accounts.language import hall_language
from accounts.selectors import active_approvers
from cases import events
from cases.events import CaseAction
from cases.links import track_url
from cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    MaterialStatus,
    ReviewStatus,
    SpecialProcedureKind,
)
from cases.selectors import handed_approvers, pending_reviews
from halls.hours import describe_hours
from halls.selectors import city_centre
from locker.services import locker_take_in
from notices.models import Channel
from notices.services import NoticeDraft, notices_create


def case_context(case: Case) -> dict:
    return {
        "hall": settings.HALL_NAME,
        "phone": settings.HALL_PHONE,
        "number": case.number,
        "matter": case.title,
        "deadline": case.deadline,
        "accepted_on": case.accepted_on,
        "track_url": track_url(case.number),
    }


def applicant_notices(event: CaseEvent, template: str, **extra) -> list[NoticeDraft]:
    """SMS to the applicant's mobile and, with an account, an in-portal message and an
    e-mail (to the address the account confirmed, for templates with an e-mail version)."""
    case = event.case
    context = {**case_context(case), **extra}
    # The key names the event just recorded: no notice can have it yet.
    draft = partial(NoticeDraft, key=f"case-event:{event.pk}", template=template, context=context)
    drafts = [draft(channel=Channel.SMS, address=case.applicant_phone, fresh=True)]
    if case.owner_id:
        drafts += [
            draft(channel=channel, recipient=case.owner, fresh=True)
            for channel in (Channel.INBOX, Channel.EMAIL)
        ]
    agent = None
    if case.channel == "online" and case.created_by_id not in (None, case.owner_id):
        # The declared agent (or helper) who filed online follows the case in their own inbox.
        agent = case.created_by_id
        drafts.append(draft(channel=Channel.INBOX, recipient=case.created_by, fresh=True))
    # The first responsible person's notice of the step goes in the same INSERT (a helper who
    # filed the case has just been told as its agent).
    if case.first_responsible_id != agent:
        drafts += first_responsible_notices(event)
    event.first_responsible_told = True
    return drafts


def tell_applicant(event: CaseEvent, template: str, **extra) -> None:
    notices_create(applicant_notices(event, template, **extra))


def staff_notices(
    key: str, users, template: str, context: dict, *, fresh: bool = False
) -> list[NoticeDraft]:
    """In-portal message, and SMS where the staff member has a mobile on file."""
    drafts = []
    for user in users:
        drafts.append(NoticeDraft(key, Channel.INBOX, template, context, user, fresh=fresh))
        if user.phone:
            drafts.append(NoticeDraft(key, Channel.SMS, template, context, user, fresh=fresh))
    return drafts


def tell_staff(key: str, users, template: str, context: dict, *, fresh: bool = False) -> None:
    notices_create(staff_notices(key, users, template, context, fresh=fresh))


def _active_approvers_once_each():
    return active_approvers().distinct()


def approvers_reviewing(case: Case) -> list:
    """The active approvers of the departments with a pending review of ``case``, each once
    (one statement for all, compiled once per process: every new round asks; an acceptance
    hands on those it read with the reviewing departments instead)."""
    return rows_by(
        "approvers_reviewing",
        _active_approvers_once_each,
        "department__reviews__case",
        case.pk,
        also={"department__reviews__status": ReviewStatus.PENDING},
    )


def paper(case: Case, kind: str, facts: dict | None = None) -> None:
    """Record that the case needs the paper ``kind``; documents renders it after commit.
    Under the case's lock, its row goes with the transaction's next statement."""
    from documents.services import document_request

    document_request(case=case, kind=kind, facts=facts, later=True)


def issue_licences(case: Case) -> None:
    """Issue the e-licences of an approved case (same transaction), then its certificate."""
    from documents.services import licence_issue

    if licence_issue(case=case):
        paper(case, "licence")


def on_create(event: CaseEvent) -> None:
    """网上缴费: a case whose matter (or bundle) has a fee owes it from the start."""
    case = event.case
    if case.matter_id is not None and not case.matter.fee:
        return  # no fee: nothing to read
    from payments.services import payment_open

    payment_open(case=case)


def release_fee(case: Case) -> None:
    """A case that ends without a result to pay for (denied, refused, withdrawn): a paid fee
    is refunded, an unpaid one cancelled."""
    # Always: the matter's fee may have changed since the payment was opened.
    from payments.services import payment_release

    payment_release(case=case)


def on_withdraw(event: CaseEvent) -> None:
    release_fee(event.case)


def on_payment_paid(event: CaseEvent) -> None:
    paper(event.case, "payment_receipt")


def on_submit(event: CaseEvent) -> None:
    tell_applicant(event, "case_submitted")


def on_accept(event: CaseEvent) -> None:
    case = event.case
    if "deferred" in event.payload:
        deferred = event.payload["deferred"]
        due_date = event.payload.get("due_date")
        due_date = datetime.date.fromisoformat(due_date) if due_date else None
    else:  # an acceptance recorded before the payload carried the deferrals
        materials = case.materials.filter(status=MaterialStatus.DEFERRED).select_related(
            "material_type"
        )
        deferred = [m.material_type.name for m in materials]
        due_date = min((m.due_date for m in materials if m.due_date), default=None)
    # Deemed acceptance (licensing law art. 32) is the one no clerk made.
    paper(case, "receipt", {"deemed": event.actor_id is None})
    if deferred:
        paper(case, "commitment")
    # 一次提交、多次复用: what the window verified goes into the applicant's materials locker.
    locker_take_in(
        case=case,
        by=event.actor,
        expiries=event.payload.get("valid_until") or {},
        unchecked=event.payload.get("unchecked") or (),
    )
    # The applicant's and the reviewers' notices: one INSERT.
    notices_create(
        applicant_notices(event, "case_accepted", deferred=deferred, due_date=due_date)
        # The reviews were opened by this very acceptance: their keys are new.
        + reviewer_notices(case, fresh=True)
    )


def reviewer_notices(case: Case, *, fresh: bool = False) -> list[NoticeDraft]:
    """Each department with a pending review hears of it once per round (the approvers of
    every department read at once)."""
    reviews = pending_reviews(case)
    if not reviews:
        return []
    approvers = handed_approvers(case)
    if approvers is None:
        approvers = {}
        for user in approvers_reviewing(case):
            approvers.setdefault(user.department_id, []).append(user)
    context = case_context(case)
    drafts = []
    for review in reviews:
        drafts += staff_notices(
            f"review:{review.pk}:round:{review.round}",
            approvers.get(review.department_id, []),
            "review_assigned",
            {**context, "department": review.department.name},
            fresh=fresh,
        )
    return drafts


def tell_reviewers(case: Case) -> None:
    notices_create(reviewer_notices(case))


def on_resubmit(event: CaseEvent) -> None:
    if event.to_status == CaseStatus.IN_REVIEW:
        tell_reviewers(event.case)


def on_request_supplement(event: CaseEvent) -> None:
    tell_applicant(event, "case_supplement_required", missing=event.payload["missing"])
    paper(event.case, "one_time_notice")


def on_reject(event: CaseEvent) -> None:
    tell_applicant(event, "case_rejected", reason=event.case.decision_note)
    paper(event.case, "refusal")
    release_fee(event.case)


def on_conclude(event: CaseEvent) -> None:
    case = event.case
    if event.to_status == CaseStatus.SUPPLEMENT_REQUIRED:
        tell_applicant(event, "case_supplement_required", missing=event.payload["missing"])
        paper(case, "supplement_notice")
    elif event.to_status == CaseStatus.APPROVED:
        issue_licences(case)
        paper(case, "decision")
        from documents.services import decision_wording

        subject = case.matter or case.bundle
        tell_applicant(
            event,
            "case_approved",
            result=getattr(subject, "result_name", "") or subject.name,
            courier=case.delivery_method == "courier",
            approved_as=decision_wording(case).approved_as,
        )
    elif event.to_status == CaseStatus.DENIED:
        from documents.services import decision_wording

        wording = decision_wording(case)  # "未予许可" only for a licence; "不予确认"…
        tell_applicant(
            event,
            "case_denied",
            reason=case.decision_note,
            denied_as=wording.denied_as,
            service=not wording.remedies,
        )
        paper(case, "decision")
        release_fee(case)


def on_issue(event: CaseEvent) -> None:
    case = event.case
    if case.delivery_method == "courier":
        return  # the clerk hands it to the courier (ship); the applicant hears then
    # 异地能办: the hall the applicant chose (else the intake hall, else the city centre).
    hall = case.pickup_hall or case.hall or city_centre()
    with hall_language():
        hours = "；".join(describe_hours(hall.hours)) or settings.HALL_HOURS
    tell_applicant(event, "case_ready_pickup", place=hall.name, address=hall.address, hours=hours)


def on_waybill(event: CaseEvent) -> None:
    tell_applicant(event, "case_shipped", waybill=event.case.waybill)


def on_ship(event: CaseEvent) -> None:
    from delivery.services import shipment_open

    case = event.case
    if case.waybill:
        tell_applicant(event, "case_shipped", waybill=case.waybill)
    shipment_open(case=case)


def on_deliver(event: CaseEvent) -> None:
    tell_applicant(event, "case_delivered")
    paper(event.case, "delivery_receipt")


def on_collect(event: CaseEvent) -> None:
    paper(event.case, "delivery_receipt")


def on_delivery_failed(event: CaseEvent) -> None:
    case = event.case
    reason = event.payload["reason"]
    from accounts.models import User
    from accounts.roles import CLERK

    notices_create(
        applicant_notices(event, "delivery_failed", waybill=case.waybill, reason=reason)
        + staff_notices(
            f"case-event:{event.pk}",
            User.objects.filter(groups__name=CLERK, is_active=True),
            "delivery_failed",
            {**case_context(case), "waybill": case.waybill, "reason": reason},
            fresh=True,
        )
    )


def on_special_procedure(event: CaseEvent) -> None:
    procedure = event.payload
    tell_applicant(
        event,
        "special_procedure",
        kind=SpecialProcedureKind(procedure["kind"]).label,
        days=procedure["days"],
        reason=procedure["reason"],
    )


def on_extension_granted(event: CaseEvent) -> None:
    extension = event.payload
    tell_applicant(event, "extension_granted", days=extension["days"], reason=extension["reason"])


def first_responsible_notices(event: CaseEvent) -> list[NoticeDraft]:
    """首接负责制: the first responsible person hears of every change of the case's status
    (in the portal), except the steps they took themselves."""
    case = event.case
    responsible = case.first_responsible_id
    if (
        responsible is None
        or not event.to_status
        or event.to_status == event.from_status
        or event.actor_id == responsible
    ):
        return []
    from accounts.identity import mask_name
    from accounts.models import User
    from cases.labels import event_label

    context = {
        **case_context(case),
        "applicant": mask_name(case.applicant_name),
        "step": event_label(event),
        "status": CaseStatus(event.to_status).label,
    }
    # An in-portal message needs only the recipient's key: no query for the user.
    recipient = User(pk=responsible)
    return [
        NoticeDraft(
            f"case-event:{event.pk}:first-responsible",
            Channel.INBOX,
            "first_responsible_step",
            context,
            recipient,
            fresh=True,
        )
    ]


def tell_first_responsible(event: CaseEvent) -> None:
    """Registered for every action, after the action's own reaction: the steps whose
    reaction told the applicant told the first responsible person in the same INSERT."""
    if not getattr(event, "first_responsible_told", False):
        notices_create(first_responsible_notices(event))


def on_first_responsible_changed(event: CaseEvent) -> None:
    """The new first responsible person is told that the case is now theirs."""
    from accounts.identity import mask_name

    case = event.case
    payload = event.payload
    tell_staff(
        f"case-event:{event.pk}",
        [case.first_responsible],
        "first_responsible_assigned",
        {
            **case_context(case),
            "applicant": mask_name(case.applicant_name),
            "before": payload.get("from_name") or "（无）",
            "reason": payload.get("reason", ""),
        },
        fresh=True,
    )


REACTIONS: dict[CaseAction, events.Reaction] = {
    CaseAction.CREATE: on_create,
    CaseAction.PAYMENT_PAID: on_payment_paid,
    CaseAction.SUBMIT: on_submit,
    CaseAction.ACCEPT: on_accept,
    CaseAction.REQUEST_SUPPLEMENT: on_request_supplement,
    CaseAction.RESUBMIT: on_resubmit,
    CaseAction.REJECT: on_reject,
    CaseAction.WITHDRAW: on_withdraw,
    CaseAction.CONCLUDE: on_conclude,
    CaseAction.ISSUE: on_issue,
    CaseAction.SHIP: on_ship,
    CaseAction.WAYBILL: on_waybill,
    CaseAction.DELIVER: on_deliver,
    CaseAction.COLLECT: on_collect,
    CaseAction.DELIVERY_FAILED: on_delivery_failed,
    CaseAction.SPECIAL_PROCEDURE_START: on_special_procedure,
    CaseAction.EXTENSION_GRANTED: on_extension_granted,
    CaseAction.FIRST_RESPONSIBLE_CHANGED: on_first_responsible_changed,
}


def on_data_found(case: Case, lookups: list) -> None:
    """The data exchange found items for a new case: its 数据核验单 (data-check paper),
    with what each item returned (in the case's creation)."""
    from exchange.selectors import data_check_items

    paper(case, "data_check", facts={"items": data_check_items(lookups)})


def register_all() -> None:
    """Register every reaction with ``cases.events`` (idempotent)."""
    from exchange.services import on_data_found as exchange_found

    for action, reaction in REACTIONS.items():
        events.register(action, reaction)
    exchange_found(on_data_found)
    # Every change of status, whatever the action: the first responsible person hears of it.
    events.register(events.ANY, tell_first_responsible)
