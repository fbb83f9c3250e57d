"""网上缴费 in supervision: how many fees were paid in the range, how many of them online, and
the share paid online (paid online ÷ paid). One aggregate query; a fee refunded after a
denial was paid all the same."""

from django.db.models import Count, Q

from payments.models import Payment, PaymentMethod, PaymentStatus

from .selectors import Scope

PAID = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


def fee_figures(scope: Scope) -> dict:
    """``{fees_paid, fees_paid_online, online_payment_share}`` for the scope (paid in range)."""
    low, high = scope.bounds()
    counts = Payment.objects.filter(
        scope.case_filter("case__"), status__in=PAID, paid_at__gte=low, paid_at__lt=high
    ).aggregate(paid=Count("id"), online=Count("id", filter=Q(method=PaymentMethod.ONLINE)))
    paid, online = counts["paid"], counts["online"]
    return {
        "fees_paid": paid,
        "fees_paid_online": online,
        "online_payment_share": round(online / paid, 4) if paid else None,
    }
