"""``Idempotency-Key`` on API POSTs: a repeat replays the first answer instead of acting twice.

The key row is inserted in the same transaction as the work. A concurrent repeat blocks on
the unique index until the first commits, then finds the stored answer and replays it; if
the first failed, its row rolled back with it and the repeat does the work afresh.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

from .models import IdempotencyKey

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    payload = json.dumps(
        {"path": request.path, "body": request.data},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def idempotent(view_method):
    """Decorate a DRF view method (POST) to honour the ``Idempotency-Key`` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = (request.headers.get(HEADER) or "").strip()
        if not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 100:
            return Response(
                {"detail": _("Idempotency-Key 不能超过100个字符。"), "code": "invalid"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                record = IdempotencyKey.objects.get(user=request.user, key=key)
                if record.fingerprint != fingerprint:
                    return Response(
                        {
                            "detail": _("该 Idempotency-Key 已用于另一个请求。"),
                            "code": "idempotency_key_reused",
                        },
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                    )
                response = Response(record.response_body, status=record.response_status)
                response["Idempotent-Replayed"] = "true"
                return response
            response = view_method(self, request, *args, **kwargs)
            if response.status_code >= 400:
                # Nothing was done: forget the key so that a corrected retry can use it.
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            # Stored as the client got it: DRF's encoder, not the field's DjangoJSONEncoder
            # (which cuts datetimes to milliseconds), so that a replay carries the same values.
            record.response_body = json.loads(json.dumps(response.data, cls=DRFJSONEncoder))
            record.save(update_fields=["response_status", "response_body"])
            return response

    return wrapper
