"""Errors of the payments (网上缴费): domain errors the API maps to ``{"detail", "code"}``, and
``GatewayError`` when the payment platform cannot answer."""

from accounts.exceptions import DomainError


class GatewayError(Exception):
    """The payment gateway could not do what was asked (worth another try later)."""


class PaymentError(DomainError):
    code = "payment_error"


class NoFeeError(PaymentError):
    status_code = 409
    code = "no_fee"


class AlreadyPaidError(PaymentError):
    status_code = 409
    code = "already_paid"


class PaymentClosedError(PaymentError):
    """Refunded or cancelled: nothing is owed."""

    status_code = 409
    code = "payment_closed"


class CaseNotPayableError(PaymentError):
    """The case is not (or no longer) in a status whose fee may be paid."""

    status_code = 409
    code = "case_not_payable"


class PaymentPermissionError(PaymentError):
    status_code = 403
    code = "permission_denied"


class NotPaymentHallError(PaymentPermissionError):
    """A counter payment is taken by a clerk of the case's intake or pickup hall."""

    code = "not_payment_hall"


class GatewayUnavailableError(PaymentError):
    status_code = 503
    code = "gateway_unavailable"


class CallbackSignatureError(PaymentError):
    """The callback did not come from the platform (bad or missing signature)."""

    status_code = 403
    code = "bad_signature"


class CallbackStaleError(PaymentError):
    """The callback was signed longer ago than ``CALLBACK_MAX_AGE`` (a replay)."""

    status_code = 400
    code = "stale_timestamp"


class AmountMismatchError(PaymentError):
    status_code = 409
    code = "amount_mismatch"


class UnknownPaymentError(PaymentError):
    status_code = 404
    code = "unknown_payment"
