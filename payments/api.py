"""Payments in the API: the counter payment of a case and the gateway's signed callback.

``POST /api/v1/cases/{number}/payment/`` ``{method: "counter", receipt}``: a clerk of the
case's intake or pickup hall records the fee taken at the counter (answers the case).

``POST /api/v1/payments/callback/``: the payment platform confirms a payment. It signs each
call with HMAC-SHA256 over ``"<timestamp>.<raw body>"`` with the shared secret
``PAYMENT_GATEWAY["SECRET"]`` and sends ``X-Timestamp`` (Unix seconds) and ``X-Signature``
(hex digest). A missing or wrong signature → 403 ``bad_signature``; a timestamp more than
``CALLBACK_MAX_AGE`` seconds away → 400 ``stale_timestamp``; the body is ``{reference,
order_id, status: "paid", amount}``; an amount that is not the payment's → 409
``amount_mismatch`` (logged); a repeat → 200 ``duplicate``, nothing changed; money the case
does not keep (the fee was paid at the counter or by another order, the case was withdrawn,
refused or denied) → 200 ``refunded``: recorded and paid back through the platform.
"""

import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import visible_cases
from cases.selectors import case_answer
from cases.serializers import CaseDetailSerializer

from .exceptions import CallbackSignatureError, CallbackStaleError, UnknownPaymentError
from .models import Payment, PaymentMethod
from .services import payment_confirm, payment_record_counter

logger = logging.getLogger("payments")

TIMESTAMP_HEADER = "X-Timestamp"
SIGNATURE_HEADER = "X-Signature"


def callback_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a callback carries: over ``"<timestamp>.<raw body>"``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_callback(*, timestamp: str, signature: str, body: bytes, now: float | None = None):
    """Refuse a callback not signed with our secret (403), or signed too long ago (400)."""
    config = settings.PAYMENT_GATEWAY
    secret = str(config["SECRET"])
    if not secret:
        raise CallbackSignatureError(_("未配置支付回调密钥，拒绝回调。"), code="not_configured")
    if not timestamp or not signature:
        raise CallbackSignatureError(_("缺少签名。"), code="missing_signature")
    if not timestamp.isascii() or not signature.isascii():
        raise CallbackSignatureError(_("签名不正确。"))
    expected = callback_signature(secret, timestamp, body)
    signature = signature.strip().lower().removeprefix("sha256=")
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise CallbackSignatureError(_("签名不正确。"))
    try:
        sent = int(timestamp)
    except ValueError:
        raise CallbackStaleError(_("时间戳格式不对。"), code="bad_timestamp") from None
    now = now if now is not None else time.time()
    if abs(now - sent) > float(config["CALLBACK_MAX_AGE"]):
        raise CallbackStaleError(_("回调已过期。"))


class CounterPaymentInput(serializers.Serializer):  # the schema; checked by the service
    method = serializers.ChoiceField(choices=[PaymentMethod.COUNTER])
    receipt = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class CasePaymentView(APIView):
    """Record the fee taken at the counter (窗口缴费)."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        operation_id="case_payment_counter",
        request=CounterPaymentInput,
        responses={200: CaseDetailSerializer},
    )
    def post(self, request, number: str):
        case = visible_cases(request.user).filter(number=number).first()
        if case is None:
            raise NotFound(_("未找到。"))
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("请求内容须为 JSON 对象。")]})
        # Who and the payment's state before the input (403, 409, then 400).
        payment_record_counter(
            case=case,
            by=request.user,
            receipt=request.data.get("receipt"),
            method=request.data.get("method"),
        )
        fresh = case_answer(case.pk)
        return Response(CaseDetailSerializer(fresh, context={"request": request}).data)


class PaymentCallbackSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=64)
    order_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=["paid"])
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class PaymentCallbackView(APIView):
    """The payment platform confirms a payment (signed; repeats change nothing)."""

    # The HMAC signature is the authentication; no session, so no CSRF either.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)

    @extend_schema(
        operation_id="payment_callback",
        request=PaymentCallbackSerializer,
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, OpenApiTypes.INT, OpenApiParameter.HEADER, True),
            OpenApiParameter(SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, True),
        ],
        responses={
            200: inline_serializer("PaymentCallbackResult", {"result": serializers.CharField()})
        },
    )
    def post(self, request):
        body = request.body  # the raw bytes, read before anything parses them
        verify_callback(
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        )
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise ValidationError({"non_field_errors": [_("不是有效的 JSON。")]}) from None
        serializer = PaymentCallbackSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment_id = (
            Payment.objects.filter(reference=data["reference"]).values_list("pk", flat=True).first()
        )
        if payment_id is None:
            raise UnknownPaymentError(_("没有该缴费单。"))
        _payment, changed = payment_confirm(
            payment_id=payment_id, amount=data["amount"], order_id=data["order_id"], taken=True
        )
        # "paid"; "refunded": the case does not keep this money, it is paid back; "duplicate".
        result = "paid" if changed is True else changed or "duplicate"
        return Response({"result": result})
