"""The one way a case changes status: lock, transition, save, event, reactions."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from accounts.compiled import insert_rows, rows_by
from accounts.models import User

from .. import events
from ..access import CaseLookup, actor_role
from ..events import CaseAction
from ..exceptions import InvalidTransitionError
from ..models import Case, CaseEvent, CaseStatus, MaterialStatus


def locked_case_queryset() -> QuerySet[Case]:
    """Cases with their row locks, and what the commands and their reactions read with them."""
    return Case.objects.select_for_update(of=("self",)).select_related(
        "matter",
        "bundle",
        "lead_department",
        # The owner and their notice address: the reactions' notices go there.
        "owner__notice_email",
        # The intake and pickup halls: the papers and notices name them.
        "hall",
        "pickup_hall",
    )


def lock_case(case: Case | int | CaseLookup) -> Case:
    """Re-read the case with its row locked until the transaction ends (a ``CaseLookup``:
    read it so, by its number, if its caller may see it)."""
    if isinstance(case, CaseLookup):
        return case.read(locked_case_queryset, "lock_case_by_number")
    pk = case.pk if isinstance(case, Case) else case
    # Every command runs it: compiled once per process.
    found = rows_by("lock_case", locked_case_queryset, "pk", pk)
    if not found:
        raise Case.DoesNotExist(f"No case {pk}")
    return found[0]


def missing_payload(case: Case, *, materials: list | None = None) -> list[dict]:
    """The materials the applicant must supply now, each with its reason, as an event carries
    them: those marked missing with a reason (of ``materials``, the case's materials as they
    now are, when the caller holds them)."""
    if materials is None:
        materials = case.materials.filter(status=MaterialStatus.MISSING).select_related(
            "material_type"
        )
    return [
        {"name": m.material_type.name, "reason": m.reason}
        for m in materials
        if m.status == MaterialStatus.MISSING and m.reason
    ]


def refuse(case: Case, action: CaseAction | str) -> InvalidTransitionError:
    status = CaseStatus(case.status).label
    return InvalidTransitionError(
        _("办件当前状态为“%(status)s”，不能执行此操作。") % {"status": status},
        extra={"status": case.status},
    )


def case_require_transition(case: Case, name: str) -> None:
    """Refuse (409 ``invalid_transition``) unless transition ``name`` may start from the case's
    status. Services call it before validating input, so a refusal is never a 400; the
    transition's guards are checked when it runs (or first by the service, to name what is
    missing)."""
    if not can_proceed(getattr(case, name), check_conditions=False):
        raise refuse(case, name)


def record_event(
    case: Case,
    *,
    action: CaseAction,
    by: User | None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    internal: bool = False,
    payload: dict | None = None,
) -> CaseEvent:
    """Append an event to the case's history and run its reactions (same transaction).

    ``action`` must be a ``CaseAction``: a misspelt one raises ``ValueError`` instead of
    writing an event no reaction or label knows. Written as ``bulk_create`` writes it
    (``insert_rows``): no save signal; reactions are registered with ``cases.events``.
    """
    [event] = insert_rows(
        [
            CaseEvent(
                case=case,
                action=CaseAction(action),
                from_status=from_status,
                to_status=to_status,
                actor=by,
                actor_role=actor_role(by),
                note=note,
                internal=internal,
                payload=payload or {},
            )
        ]
    )
    events.announce(event)
    return event


def run_transition(
    case: Case,
    name: CaseAction,
    *,
    by: User | None,
    note: str = "",
    internal: bool = False,
    payload: dict | None = None,
    **kwargs,
) -> CaseEvent:
    """Call the transition ``name`` on a locked case, save it and write its event.

    Must run inside ``transaction.atomic`` with ``case`` from ``lock_case``.
    """
    assert transaction.get_connection().in_atomic_block
    name = CaseAction(name)
    from_status = case.status
    try:
        getattr(case, name)(**kwargs)
    except TransitionNotAllowed:
        raise refuse(case, name) from None
    # Locked (``lock_case``): the event's INSERT just below carries the case's UPDATE.
    case.save(later=True)
    return record_event(
        case,
        action=name,
        by=by,
        from_status=from_status,
        to_status=case.status,
        note=note,
        internal=internal,
        payload=payload,
    )
