"""Delivery backends per channel, chosen in settings.

- SMS: ``SMS_BACKEND`` = ``notices.backends.LoggingSmsBackend`` (default: writes a masked
  line to the log) or ``notices.backends.HttpSmsBackend`` (POSTs JSON to ``SMS_GATEWAY_URL``
  with ``SMS_GATEWAY_KEY``, ``SMS_GATEWAY_TIMEOUT`` seconds).
- E-mail: Django's ``EMAIL_BACKEND``.
- In-portal messages need no sending: they are in the database once committed.

A backend raises ``TransientSendError`` for what a retry may cure (timeouts, 5xx) and
``PermanentSendError`` for what it will not (a bad number, 4xx).
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from accounts.identity import mask_phone

logger = logging.getLogger("notices")


class SendError(Exception):
    pass


class TransientSendError(SendError):
    pass


class PermanentSendError(SendError):
    pass


class LoggingSmsBackend:
    """Writes each SMS to the log (phone masked): the default for development and tests."""

    def send(self, *, address: str, text: str, idempotency_key: str) -> str:
        logger.info("SMS to %s [%s]: %s", mask_phone(address), idempotency_key, text)
        return f"log-{idempotency_key}"


class HttpSmsBackend:
    """A JSON-over-HTTP SMS gateway: ``{"to", "text", "id"}`` with a bearer key."""

    def send(self, *, address: str, text: str, idempotency_key: str) -> str:
        body = json.dumps({"to": address, "text": text, "id": idempotency_key}).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as reply:
                body = reply.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise TransientSendError(f"gateway answered {error.code}") from error
            raise PermanentSendError(f"gateway refused: {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TransientSendError(f"gateway unreachable: {error}") from error
        # The gateway said 2xx: the message is accepted. An odd body must not make it look
        # failed (a retry would send the SMS again); only the id is lost.
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            logger.warning("SMS gateway accepted %s with a body that is not JSON", idempotency_key)
            return ""
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


class EmailBackend:
    """Django's e-mail backends (``EMAIL_BACKEND``)."""

    def send(self, *, address: str, text: str, idempotency_key: str, subject: str = "") -> str:
        try:
            send_mail(subject or text[:30], text, settings.DEFAULT_FROM_EMAIL, [address])
        except (OSError, TimeoutError) as error:
            raise TransientSendError(str(error)) from error
        return idempotency_key


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def email_backend():
    return EmailBackend()
