"""The courier's push endpoint: ``POST /api/v1/delivery/webhook/``.

The courier signs each push with HMAC-SHA256 over ``"<timestamp>.<raw body>"`` with the
shared secret ``COURIER_WEBHOOK_SECRET``, and sends ``X-Courier-Timestamp`` (Unix seconds)
and ``X-Courier-Signature`` (hex digest). A missing or wrong signature, or a timestamp more
than ``COURIER_WEBHOOK_TOLERANCE`` seconds away from now, is refused with 403; the body is
``{waybill, status, at, event_id, note}``. A repeat of an ``event_id`` answers 200 and
changes nothing, so the courier may redeliver at will.
"""

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .backends import TRACKING_STATUSES
from .exceptions import WebhookSignatureError
from .models import EventSource
from .services import shipment_record_update

TIMESTAMP_HEADER = "X-Courier-Timestamp"
SIGNATURE_HEADER = "X-Courier-Signature"


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a push carries: over ``"<timestamp>.<raw body>"``."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(*, timestamp: str, signature: str, body: bytes, now: float | None = None):
    """Refuse a push that is not signed with our secret, or signed too long ago."""
    secret = str(settings.COURIER_WEBHOOK_SECRET)
    if not secret:
        raise WebhookSignatureError(_("未配置快递推送密钥，拒绝推送。"), code="not_configured")
    if not timestamp or not signature:
        raise WebhookSignatureError(_("缺少签名。"), code="missing_signature")
    expected = webhook_signature(secret, timestamp, body)
    signature = signature.strip().lower().removeprefix("sha256=")
    if not hmac.compare_digest(expected, signature):
        raise WebhookSignatureError(_("签名不正确。"), code="bad_signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise WebhookSignatureError(_("时间戳格式不对。"), code="bad_timestamp") from None
    tolerance = float(settings.COURIER_WEBHOOK_TOLERANCE)
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        raise WebhookSignatureError(_("推送已过期。"), code="stale_timestamp")


class CourierUpdateSerializer(serializers.Serializer):
    waybill = serializers.CharField(max_length=40)
    status = serializers.ChoiceField(choices=TRACKING_STATUSES)
    at = serializers.DateTimeField()
    event_id = serializers.CharField(max_length=100)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CourierWebhookView(APIView):
    """Record a tracking update pushed by the courier (signed; repeats change nothing)."""

    # The HMAC signature is the authentication; no session, so no CSRF either.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)

    @extend_schema(
        operation_id="delivery_webhook",
        request=CourierUpdateSerializer,
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, OpenApiTypes.INT, OpenApiParameter.HEADER, True),
            OpenApiParameter(SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, True),
        ],
        responses={
            200: inline_serializer("CourierWebhookResult", {"result": serializers.CharField()}),
        },
    )
    def post(self, request):
        body = request.body  # the raw bytes, read before anything parses them
        verify_webhook(
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        )
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise serializers.ValidationError(
                {"non_field_errors": [_("不是有效的 JSON。")]}
            ) from None
        serializer = CourierUpdateSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = shipment_record_update(
            waybill=data["waybill"],
            status=data["status"],
            at=data["at"],
            external_id=data["event_id"],
            note=data["note"],
            source=EventSource.WEBHOOK,
        )
        return Response({"result": "recorded" if event is not None else "duplicate"})
