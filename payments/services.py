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
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enqueue import enqueue_after_commit
from accounts.models import User
from cases import services as case_services
from cases.access import is_applicant_side, is_clerk
from cases.models import PAYABLE_STATUSES, Case
from cases.services.halls import pickup_hall_id
from halls.selectors import staff_hall
from matters.models import BundleItem

from .exceptions import (
    AlreadyPaidError,
    AmountMismatchError,
    CaseNotPayableError,
    GatewayError,
    GatewayUnavailableError,
    NoFeeError,
    NotPaymentHallError,
    PaymentClosedError,
    PaymentPermissionError,
)
from .gateways import payment_gateway
from .models import Payment, PaymentMethod, PaymentStatus, StrayCharge

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


def is_payable(case: Case) -> bool:
    """The case's fee may be paid now (submitted, not yet issued, not ended)."""
    return case.status in PAYABLE_STATUSES


def _not_payable() -> CaseNotPayableError:
    return CaseNotPayableError(_("该办件当前状态不能缴费。"))


def _keep_stray(payment: Payment, order_id: str) -> str:
    """Money the gateway took for an order the case does not keep: recorded once (by its
    order) and paid back after commit."""
    if not order_id:
        logger.error("payment %s: a paid order without a number cannot be refunded", payment)
        return "stray"
    stray, created = StrayCharge.objects.get_or_create(
        order_id=order_id, defaults={"payment": payment, "amount": payment.amount}
    )
    if created:
        logger.warning("payment %s: order %s paid but not kept: refunding", payment, order_id)
        enqueue_after_commit("payments.tasks.send_stray_refund", stray.pk)
        return "refunded"
    return "duplicate"


@transaction.atomic
def payment_confirm(
    *,
    payment_id: int,
    by: User | None = None,
    amount: Decimal | None = None,
    order_id: str = "",
    gateway: str = "",
    taken: bool = False,
) -> tuple[Payment, bool | str]:
    """An online payment succeeded (the payer's confirmation on the simulated page, the
    gateway's callback, the reconciliation): ``(payment, changed)``.

    Idempotent: a payment already paid by this order is answered as it is (``changed``
    false). An amount that is not the payment's is refused (and logged).

    Without ``taken`` (the simulated payer's click) a refunded or cancelled payment, or a case
    not in a payable status, is refused. With ``taken`` the money is already at the gateway
    (the callback, the reconciliation): what the case does not keep is recorded and paid back
    (``changed`` is ``"refunded"``): a cancelled payment becomes refunded; an order paid on
    top of a fee already paid (at the counter, by another order), or for a case that may not
    be paid, becomes a stray charge refunded on its own.
    """
    case, payment = _locked(payment_id)
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
    order_id = order_id or (payment.order_id if taken else "")
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        same_order = payment.method == PaymentMethod.ONLINE and (
            not order_id or order_id == payment.order_id
        )
        if same_order or not taken:
            if not taken and payment.status == PaymentStatus.REFUNDED:
                raise PaymentClosedError(_("该缴费已退费或取消。"))
            return payment, False
        return payment, _keep_stray(payment, order_id)
    if payment.status == PaymentStatus.CANCELLED:
        if not taken:
            raise PaymentClosedError(_("该缴费已退费或取消。"))
        # Paid at the gateway after the case ended: recorded as paid, then refunded.
        payment.method = PaymentMethod.ONLINE
        payment.order_id = order_id or payment.order_id
        payment.gateway = gateway or payment.gateway
        payment.paid_at = payment.refunded_at = timezone.now()
        payment.status = PaymentStatus.REFUNDED
        payment.save()
        case_services.case_fee_released(case=case, refunded=str(payment.amount))
        enqueue_after_commit("payments.tasks.send_refund", payment.pk)
        return payment, "refunded"
    if not is_payable(case):
        if not taken:
            raise _not_payable()
        return payment, _keep_stray(payment, order_id)
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
    if not is_payable(payment.case):
        raise _not_payable()
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


def payment_record_counter(
    *, case: Case, by: User, receipt, method: str = PaymentMethod.COUNTER
) -> Payment:
    """A clerk records the fee taken at the counter, with the number of its paper receipt.

    403 for anyone but a clerk of the case's intake or pickup hall, 409 without a fee, when
    it is paid (or refunded, cancelled) already or the case is not payable, 400 for a method
    other than ``counter`` or without a receipt number. An order open at the gateway is closed
    there first (outside any lock): paid there already → 409 ``already_paid`` (the online
    payment is recorded); the gateway not answering → 503, no cash is taken.
    """
    payment = _counter_checks(case=case, by=by, receipt=receipt, method=method)
    if payment.order_id:
        try:
            status = payment_gateway().close(payment)
        except GatewayError as error:
            logger.warning("payment %s: order not closed: %s", payment.reference, error)
            raise GatewayUnavailableError(
                _("无法关闭网上支付订单，请稍后再登记窗口缴费。")
            ) from error
        if status == "paid":
            payment_confirm(payment_id=payment.pk, taken=True)
            raise AlreadyPaidError(_("该办件已在网上缴费。"))
    return _record_counter(
        case=case, by=by, receipt=receipt, method=method, closed_order=payment.order_id
    )


def _counter_checks(*, case: Case, by: User, receipt, method: str) -> Payment:
    if not is_clerk(by):
        raise PaymentPermissionError(_("只有窗口人员可以登记窗口缴费。"))
    if not may_take_at_counter(by, case):
        raise NotPaymentHallError(_("只有受理网点或领取网点的窗口人员可以登记窗口缴费。"))
    payment = Payment.objects.filter(case=case).first()
    if payment is None:
        raise NoFeeError(_("该办件无需缴费。"))
    if payment.status == PaymentStatus.PAID:
        raise AlreadyPaidError(_("该办件已缴费。"))
    if payment.status != PaymentStatus.UNPAID:
        raise PaymentClosedError(_("该缴费已退费或取消。"))
    if not is_payable(case):
        raise _not_payable()
    if method != PaymentMethod.COUNTER:
        raise ValidationError({"method": [_("缴费方式只能是窗口缴费（counter）。")]})
    if receipt is not None and not isinstance(receipt, str):
        raise ValidationError({"receipt": [_("收据号须为文字。")]})
    receipt = (receipt or "").strip()
    if not receipt:
        raise ValidationError({"receipt": [_("请填写收据号。")]})
    if len(receipt) > RECEIPT_MAX_LENGTH:
        raise ValidationError({"receipt": [_("收据号过长。")]})
    return payment


@transaction.atomic
def _record_counter(
    *, case: Case, by: User, receipt: str, method: str, closed_order: str
) -> Payment:
    """The checks again under the case's and the payment's locks, then paid (refused when the
    payer placed a new order since the open one was closed: the clerk tries again)."""
    case = case_services.case_fee_lock(case)
    _counter_checks(case=case, by=by, receipt=receipt, method=method)
    payment = Payment.objects.select_for_update(of=("self",)).get(case=case)
    if payment.status != PaymentStatus.UNPAID:
        raise AlreadyPaidError(_("该办件已缴费。"))
    if payment.order_id and payment.order_id != closed_order:
        raise GatewayUnavailableError(_("无法关闭网上支付订单，请稍后再登记窗口缴费。"))
    payment.case = case
    _mark_paid(case, payment, method=PaymentMethod.COUNTER, by=by, receipt=receipt.strip())
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
        if payment.order_id:
            # The order open at the gateway can no longer be paid (retried by the
            # reconciliation; paid there first → refunded).
            enqueue_after_commit("payments.tasks.close_order", payment.pk)
    return payment


def payment_close_order(*, payment_id: int) -> str | None:
    """Close a cancelled payment's order at the gateway (outside any lock): closed → the
    order is forgotten; paid there meanwhile → recorded and refunded."""
    payment = (
        Payment.objects.select_related("case")
        .filter(pk=payment_id, status=PaymentStatus.CANCELLED)
        .exclude(order_id="")
        .first()
    )
    if payment is None:
        return None
    status = payment_gateway().close(payment)
    if status == "paid":
        payment_confirm(payment_id=payment.pk, taken=True)
    else:
        _forget_order(payment)
    return status


def _forget_order(payment: Payment) -> None:
    """The order is closed at the gateway: the next checkout places a new one (a new key)."""
    Payment.objects.filter(
        pk=payment.pk,
        order_id=payment.order_id,
        status__in=(PaymentStatus.UNPAID, PaymentStatus.CANCELLED),
    ).update(
        order_id="",
        gateway_url="",
        ordered_at=None,
        idempotency_key=uuid.uuid4(),
        updated_at=timezone.now(),
    )


def payment_send_refund(*, payment_id: int) -> Payment | None:
    """Pay a refunded online fee back through the gateway (once; retried by the
    reconciliation). A fee paid at the counter is handed back in cash at the counter: it stays
    待窗口退费 until a clerk confirms (``payment_confirm_counter_refund``)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(
                pk=payment_id,
                status=PaymentStatus.REFUNDED,
                method=PaymentMethod.ONLINE,
                refund_sent_at__isnull=True,
            )
            .first()
        )
        if payment is None:
            return None  # idempotency: sent already, not refunded, or a counter refund
        if payment.order_id:
            # Idempotent at the gateway by the payment's key; a failure leaves it for later.
            payment_gateway().refund(payment)
        payment.refund_sent_at = timezone.now()
        payment.save(update_fields=["refund_sent_at", "updated_at"])
        return payment


def counter_refund_pending(payment: Payment | None) -> bool:
    """A fee paid at the counter and refunded here, not yet handed back (待窗口退费)."""
    return (
        payment is not None
        and payment.status == PaymentStatus.REFUNDED
        and payment.method == PaymentMethod.COUNTER
        and payment.refund_sent_at is None
    )


@transaction.atomic
def payment_confirm_counter_refund(*, case: Case, by: User) -> Payment:
    """A clerk of the case's intake or pickup hall confirms the cash was handed back."""
    if not is_clerk(by):
        raise PaymentPermissionError(_("只有窗口人员可以确认窗口退费。"))
    case = case_services.case_fee_lock(case)
    if not may_take_at_counter(by, case):
        raise NotPaymentHallError(_("只有受理网点或领取网点的窗口人员可以确认窗口退费。"))
    payment = Payment.objects.select_for_update(of=("self",)).filter(case=case).first()
    if not counter_refund_pending(payment):
        raise PaymentClosedError(_("该办件没有待窗口退还的费用。"))
    payment.refund_sent_at = timezone.now()
    payment.save(update_fields=["refund_sent_at", "updated_at"])
    return payment


def payment_send_stray_refund(*, stray_id: int) -> StrayCharge | None:
    """Pay a stray charge back through the gateway (once; retried by the reconciliation)."""
    with transaction.atomic():
        stray = (
            StrayCharge.objects.select_for_update(of=("self",))
            .select_related("payment")
            .filter(pk=stray_id, refund_sent_at__isnull=True)
            .first()
        )
        if stray is None:
            return None
        payment_gateway().refund(stray.payment, order_id=stray.order_id, amount=stray.amount)
        stray.refund_sent_at = timezone.now()
        stray.save(update_fields=["refund_sent_at"])
        return stray


def payments_reconcile(*, limit: int = 200) -> dict:
    """Ask the gateway about orders still open after ``RECONCILE_AFTER_MINUTES`` and placed
    less than ``RECONCILE_MAX_AGE_DAYS`` ago, the least recently asked first (unpaid ones, and
    cancelled ones whose order was not closed yet): paid there → paid here (once), or
    refunded when the case no longer takes it; closed there → forgotten (the next checkout
    places a new order); a cancelled payment's order still open → closed. Refunds not yet
    sent are sent again."""
    config = settings.PAYMENT_GATEWAY
    now = timezone.now()
    cutoff = now - datetime.timedelta(minutes=int(config["RECONCILE_AFTER_MINUTES"]))
    oldest = now - datetime.timedelta(days=int(config.get("RECONCILE_MAX_AGE_DAYS", 7)))
    open_orders = list(
        Payment.objects.filter(
            status__in=(PaymentStatus.UNPAID, PaymentStatus.CANCELLED),
            ordered_at__lte=cutoff,
            ordered_at__gte=oldest,
            order_id__gt="",
        )
        .select_related("case")
        .order_by(models.F("checked_at").asc(nulls_first=True), "ordered_at")[:limit]
    )
    counts = {"asked": 0, "paid": 0, "failed": 0, "refunds": 0, "closed": 0}
    gateway = payment_gateway() if open_orders else None
    for payment in open_orders:
        counts["asked"] += 1
        Payment.objects.filter(pk=payment.pk).update(checked_at=now)
        try:
            status = gateway.query(payment)
            if status == "unpaid" and payment.status == PaymentStatus.CANCELLED:
                status = gateway.close(payment)
        except GatewayError as error:
            counts["failed"] += 1
            logger.warning("reconciliation of %s failed: %s", payment.reference, error)
            continue
        if status == "paid":
            _payment, changed = payment_confirm(payment_id=payment.pk, taken=True)
            counts["paid"] += int(changed is True)
            counts["refunds"] += int(changed == "refunded")
        elif status == "closed":
            _forget_order(payment)
            counts["closed"] += 1
    refunds = Payment.objects.filter(
        status=PaymentStatus.REFUNDED, method=PaymentMethod.ONLINE, refund_sent_at__isnull=True
    ).values_list("pk", flat=True)[:limit]
    for payment_id in list(refunds):
        try:
            if payment_send_refund(payment_id=payment_id) is not None:
                counts["refunds"] += 1
        except GatewayError as error:
            counts["failed"] += 1
            logger.warning("refund of payment %s failed: %s", payment_id, error)
    strays = StrayCharge.objects.filter(refund_sent_at__isnull=True).values_list("pk", flat=True)
    for stray_id in list(strays[:limit]):
        try:
            if payment_send_stray_refund(stray_id=stray_id) is not None:
                counts["refunds"] += 1
        except GatewayError as error:
            counts["failed"] += 1
            logger.warning("refund of stray charge %s failed: %s", stray_id, error)
    return counts
