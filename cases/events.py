"""The case's event vocabulary, and what happens after an event (decided in ``hall/reactions.py``).

Every ``CaseEvent`` records one ``CaseAction``: the transitions' names and the events that
change no status. ``cases`` only announces its events; the top floor registers what follows
each action. Reactions run inside the transition's transaction and only record what must
happen (outbox rows, document and shipment records); real work runs after commit.
"""

from collections import defaultdict
from collections.abc import Callable

from django.db import models

from .models import CaseEvent


class CaseAction(models.TextChoices):
    """Every event a case's history records: the word the reactions and labels key on."""

    CREATE = "create"
    # Transitions (``Case.<name>``), in the order of the flow.
    SUBMIT = "submit"
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    CONCLUDE = "conclude"
    ISSUE = "issue"
    SHIP = "ship"
    DELIVER = "deliver"
    COLLECT = "collect"
    # Events that leave the status as it is.
    REVIEW_APPROVE = "review_approve"
    REVIEW_RETURN = "review_return"
    REVIEW_DENY = "review_deny"
    MATERIAL_RECEIVED = "material_received"
    MATERIAL_MISSING = "material_missing"
    MATERIAL_NOT_APPLICABLE = "material_not_applicable"
    DEFERRAL_COMMITTED = "deferral_committed"
    DEFERRED_SUPPLIED = "deferred_supplied"
    SPECIAL_PROCEDURE_START = "special_procedure_start"
    SPECIAL_PROCEDURE_END = "special_procedure_end"
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_REFUSED = "extension_refused"
    WAYBILL = "waybill"
    DELIVERY_FAILED = "delivery_failed"
    RATING = "rating"
    # 物料流转: paper materials sent from a town or village hall, received where needed.
    TRANSFER_SENT = "transfer_sent"
    TRANSFER_RECEIVED = "transfer_received"
    # Helpers (代办员) and 首接负责制.
    HELPER_AUTHORISED = "helper_authorised"
    FIRST_RESPONSIBLE_CHANGED = "first_responsible_changed"
    # 网上缴费: the fee paid (online or at the counter) and refunded after a denial.
    PAYMENT_PAID = "payment_paid"
    PAYMENT_REFUNDED = "payment_refunded"


# Registered for every action.
ANY = "*"

Reaction = Callable[[CaseEvent], None]
_reactions: dict[str, list[Reaction]] = defaultdict(list)


def register(action: CaseAction | str, reaction: Reaction) -> None:
    """Run ``reaction`` for every event with this action (``ANY`` for all)."""
    if action != ANY:
        action = CaseAction(action)  # a misspelt action is refused, not silently never run
    if reaction not in _reactions[action]:
        _reactions[action].append(reaction)


def announce(event: CaseEvent) -> None:
    """Run the reactions registered for the event's action."""
    for reaction in [*_reactions[event.action], *_reactions[ANY]]:
        reaction(event)
