"""The payment of a case's fee (网上缴费): opened with the case, paid online through the gateway
or at the counter, refunded (or cancelled) when the case is denied.

Exactly one successful charge per case: every confirmation (the payer's click, the gateway's
callback, the reconciliation, the counter) runs ``payment_confirm`` /
``payment_record_counter``, which lock the case row, then the payment's
(``select_for_update(of=("self",))``), and change only a payment still ``unpaid``: a second
click or a repeated callback waits on the lock, finds it paid and changes nothing. The case
keeps the one fact its state machine needs (``Case.fee_outstanding``), set and cleared here
through ``cases.services`` in the same transaction.
"""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enqueue import enqueue_after_commit
from accounts.models import User
from cases import services as case_services
from cases.access import is_applicant_side, is_clerk
from cases.models import Case
from cases.services.halls import pickup_hall_id
from halls.selectors import staff_hall
from matters.models import BundleItem

from .exceptions import (
    AlreadyPaidError,
    AmountMismatchError,
    GatewayError,
    GatewayUnavailableError,
    NoFeeError,
    NotPaymentHallError,
    PaymentClosedError,
    PaymentPermissionError,
)
from .gateways import payment_gateway
from .models import Payment, PaymentMethod, PaymentStatus

logger = logging.getLogger("payments")

RECEIPT_MAX_LENGTH = Payment._meta.get_field("counter_receipt").max_length


def case_fee(case: Case) -> Decimal:
    """What the case costs: its matter's fee, or the sum of its bundle's matters' fees."""
    if case.matter_id is not None:
        return case.matter.fee or Decimal(0)
    total = BundleItem.objects.filter(bundle_id=case.bundle_id).aggregate(total=Sum("matter__fee"))[
        "total"
    ]
    return total or Decimal(0)


def payment_open(*, case: Case) -> Payment | None:
    """A new case with a fee gets its payment (unpaid) and owes it; inside the case's
    creation (a reaction), so both or neither exist."""
    amount = case_fee(case)
    if amount <= 0:
        return None
    payment = Payment.objects.create(case=case, amount=amount, reference=f"PAY{case.number}")
    case_services.case_fee_owed(case=case)
    return payment


def may_pay(user, payment: Payment) -> bool:
    """The applicant's side of the case: the applicant, the declared agent, the helper."""
    return user.is_authenticated and is_applicant_side(user, payment.case)


def _locked(payment_id: int) -> tuple[Case, Payment]:
    """The case row, then the payment's, locked until the transaction ends."""
    case_id = Payment.objects.filter(pk=payment_id).values_list("case_id", flat=True).get()
    case = case_services.case_fee_lock(case_id)
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)
    payment.case = case
    return case, payment


def _mark_paid(
    case: Case, payment: Payment, *, method: str, by: User | None, receipt: str = ""
) -> None:
    payment.status = PaymentStatus.PAID
    payment.method = method
    payment.paid_at = timezone.now()
    payment.recorded_by = by if method == PaymentMethod.COUNTER else None
    payment.counter_receipt = receipt
    payment.save(
        update_fields=[
            "status",
            "method",
            "paid_at",
            "recorded_by",
            "counter_receipt",
            "gateway",
            "order_id",
            "updated_at",
        ]
    )
    case_services.case_fee_paid(
        case=case,
        by=by,
        amount=str(payment.amount),
        method_label=PaymentMethod(method).label,
    )


@transaction.atomic
def payment_confirm(
    *,
    payment_id: int,
    by: User | None = None,
    amount: Decimal | None = None,
    order_id: str = "",
    gateway: str = "",
) -> tuple[Payment, bool]:
    """An online payment succeeded (the payer's confirmation on the simulated page, the
    gateway's callback, the reconciliation): ``(payment, changed)``.

    Idempotent: a payment already paid is answered as it is (``changed`` false). An amount
    that is not the payment's is refused (and logged); so is confirming a refunded or
    cancelled payment.
    """
    case, payment = _locked(payment_id)
    if payment.status == PaymentStatus.PAID:
        return payment, False
    if payment.status != PaymentStatus.UNPAID:
        raise PaymentClosedError(_("该缴费已退费或取消。"))
    if amount is not None and Decimal(amount) != payment.amount:
        logger.warning(
            "payment %s confirmed with amount %s, owed %s: refused",
            payment.reference,
            amount,
            payment.amount,
        )
        raise AmountMismatchError(
            _("支付金额 %(paid)s 与应缴金额 %(owed)s 不符。")
            % {"paid": amount, "owed": payment.amount}
        )
    if order_id:
        payment.order_id = order_id
    if gateway:
        payment.gateway = gateway
    _mark_paid(case, payment, method=PaymentMethod.ONLINE, by=by)
    return payment, True


def payment_checkout(*, payment: Payment, by: User) -> Payment:
    """The payer pays online: the order is placed at the gateway (outside any transaction: no
    lock is held while the gateway answers), and with the simulated gateway the payer's own
    confirmation pays it at once. A payment already paid is answered as it is."""
    if not may_pay(by, payment):
        raise PaymentPermissionError(_("只有申请人一方可以缴费。"))
    if payment.status == PaymentStatus.PAID:
        return payment
    if payment.status != PaymentStatus.UNPAID:
        raise PaymentClosedError(_("该缴费已退费或取消。"))
    gateway = payment_gateway()
    try:
        order = gateway.create_order(payment, payment.idempotency_key)
    except GatewayError as error:
        logger.warning("payment %s: order refused: %s", payment.reference, error)
        raise GatewayUnavailableError(_("支付平台暂时无法下单，请稍后再试。")) from error
    if order.confirmed:
        payment, _changed = payment_confirm(
            payment_id=payment.pk, by=by, order_id=order.order_id, gateway=gateway.name
        )
        return payment
    # The same key always names the same order: recording it twice changes nothing.
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.UNPAID).update(
        order_id=order.order_id,
        gateway_url=order.pay_url,
        gateway=gateway.name,
        ordered_at=timezone.now(),
        updated_at=timezone.now(),
    )
    payment.refresh_from_db()
    return payment


def may_take_at_counter(user: User, case: Case) -> bool:
    """A clerk of the hall that took the case in, or of the hall its result is collected at
    (the applicant stands at one of those counters)."""
    if not is_clerk(user):
        return False
    hall_id = staff_hall(user).pk
    return hall_id in (case.hall_id, pickup_hall_id(case))


@transaction.atomic
def payment_record_counter(*, case: Case, by: User, receipt: str) -> Payment:
    """A clerk records the fee taken at the counter, with the number of its paper receipt.

    403 for anyone but a clerk of the case's intake or pickup hall, 409 without a fee or
    when it is paid (or refunded, cancelled) already, 400 without a receipt number.
    """
    if not is_clerk(by):
        raise PaymentPermissionError(_("只有窗口人员可以登记窗口缴费。"))
    case = case_services.case_fee_lock(case)
    if not may_take_at_counter(by, case):
        raise NotPaymentHallError(_("只有受理网点或领取网点的窗口人员可以登记窗口缴费。"))
    payment = Payment.objects.select_for_update(of=("self",)).filter(case=case).first()
    if payment is None:
        raise NoFeeError(_("该办件无需缴费。"))
    if payment.status == PaymentStatus.PAID:
        raise AlreadyPaidError(_("该办件已缴费。"))
    if payment.status != PaymentStatus.UNPAID:
        raise PaymentClosedError(_("该缴费已退费或取消。"))
    receipt = (receipt or "").strip()
    if not receipt:
        raise ValidationError({"receipt": [_("请填写收据号。")]})
    if len(receipt) > RECEIPT_MAX_LENGTH:
        raise ValidationError({"receipt": [_("收据号过长。")]})
    payment.case = case
    _mark_paid(case, payment, method=PaymentMethod.COUNTER, by=by, receipt=receipt)
    return payment


def payment_release(*, case: Case) -> Payment | None:
    """The case ends without a result to pay for: denied, refused (不予受理) or withdrawn (a
    reaction, inside that step's transaction, the case locked). A paid fee is refunded
    (through the gateway, after commit), an unpaid one cancelled; nothing is owed any more."""
    payment = Payment.objects.select_for_update(of=("self",)).filter(case=case).first()
    if payment is None:
        return None
    if payment.status == PaymentStatus.PAID:
        payment.status = PaymentStatus.REFUNDED
        payment.refunded_at = timezone.now()
        payment.save(update_fields=["status", "refunded_at", "updated_at"])
        case_services.case_fee_released(case=case, refunded=str(payment.amount))
        enqueue_after_commit("payments.tasks.send_refund", payment.pk)
    elif payment.status == PaymentStatus.UNPAID:
        payment.status = PaymentStatus.CANCELLED
        payment.save(update_fields=["status", "updated_at"])
        case_services.case_fee_released(case=case)
    return payment


def payment_send_refund(*, payment_id: int) -> Payment | None:
    """Pay a refunded fee back through the gateway (once; retried by the reconciliation)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=payment_id, status=PaymentStatus.REFUNDED, refund_sent_at__isnull=True)
            .first()
        )
        if payment is None:
            return None  # idempotency: sent already, or not refunded
        if payment.method == PaymentMethod.ONLINE and payment.order_id:
            # Idempotent at the gateway by the payment's key; a failure leaves it for later.
            payment_gateway().refund(payment)
        payment.refund_sent_at = timezone.now()
        payment.save(update_fields=["refund_sent_at", "updated_at"])
        return payment


def payments_reconcile(*, limit: int = 200) -> dict:
    """Ask the gateway about orders still open after ``RECONCILE_AFTER_MINUTES``: paid there
    → paid here (once). Refunds not yet sent are sent again."""
    minutes = int(settings.PAYMENT_GATEWAY["RECONCILE_AFTER_MINUTES"])
    cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
    open_orders = list(
        Payment.objects.filter(status=PaymentStatus.UNPAID, ordered_at__lte=cutoff, order_id__gt="")
        .select_related("case")
        .order_by("ordered_at")[:limit]
    )
    counts = {"asked": 0, "paid": 0, "failed": 0, "refunds": 0}
    gateway = payment_gateway() if open_orders else None
    for payment in open_orders:
        counts["asked"] += 1
        try:
            status = gateway.query(payment)
        except GatewayError as error:
            counts["failed"] += 1
            logger.warning("reconciliation of %s failed: %s", payment.reference, error)
            continue
        if status == "paid":
            _payment, changed = payment_confirm(payment_id=payment.pk)
            counts["paid"] += int(changed)
    refunds = Payment.objects.filter(
        status=PaymentStatus.REFUNDED, refund_sent_at__isnull=True
    ).values_list("pk", flat=True)[:limit]
    for payment_id in list(refunds):
        try:
            if payment_send_refund(payment_id=payment_id) is not None:
                counts["refunds"] += 1
        except GatewayError as error:
            counts["failed"] += 1
            logger.warning("refund of payment %s failed: %s", payment_id, error)
    return counts
