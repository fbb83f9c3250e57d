"""网上缴费 on the case: the one fact the case keeps of its fee (``Case.fee_outstanding``, read by
the ``no_outstanding_payment`` guard of issue) and the events of paying and refunding.

The ``payments`` app (above cases) holds the payment itself and calls these in the same
transaction as it changes the payment: the case row is locked first, then the payment's, the
order every step that touches both takes (a denial locks the case, then refunds).
"""

from accounts.language import recorded
from accounts.models import User

from ..events import CaseAction
from ..models import Case
from ._core import lock_case, record_event


def case_fee_lock(case: Case | int) -> Case:
    """The case with its row locked until the transaction ends (before its payment's lock)."""
    return lock_case(case)


def _set_outstanding(case: Case, outstanding: bool) -> None:
    if case.fee_outstanding != outstanding:
        Case.objects.filter(pk=case.pk).update(fee_outstanding=outstanding)
        case.fee_outstanding = outstanding


def case_fee_owed(*, case: Case) -> None:
    """The case has a fee to pay before its result is issued (at creation)."""
    _set_outstanding(case, True)


def case_fee_paid(*, case: Case, by: User | None, amount: str, method_label: str) -> None:
    """The fee is paid: the result may be issued; an event on the case (its receipt follows)."""
    _set_outstanding(case, False)
    record_event(
        case,
        action=CaseAction.PAYMENT_PAID,
        by=by,
        note=recorded("%(method)s %(amount)s 元", {"method": method_label, "amount": amount}),
        payload={"amount": amount},
    )


def case_fee_released(*, case: Case, by: User | None = None, refunded: str = "") -> None:
    """Nothing is owed any more (the case was denied); ``refunded``: the amount paid back."""
    _set_outstanding(case, False)
    if refunded:
        record_event(
            case,
            action=CaseAction.PAYMENT_REFUNDED,
            by=by,
            note=recorded("退还 %(amount)s 元", {"amount": refunded}),
            payload={"amount": refunded},
        )
