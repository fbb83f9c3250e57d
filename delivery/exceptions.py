"""Errors of the courier integration.

``CourierError`` and its two kinds are what a courier backend raises: ``TransientCourierError``
for what a retry may cure (timeouts, refused connections, 5xx, 429), ``PermanentCourierError``
for what it will not (4xx: the courier refuses the order as sent). The others are domain
errors the API maps to ``{"detail", "code"}``.
"""

from accounts.exceptions import DomainError


class CourierError(Exception):
    """The courier could not do what was asked."""


class TransientCourierError(CourierError):
    """Worth another try later (with backoff)."""


class PermanentCourierError(CourierError):
    """Another try with the same order would fail the same way."""


class ShipmentError(DomainError):
    code = "shipment_error"


class ShipmentNotFoundError(ShipmentError):
    status_code = 404
    code = "unknown_waybill"


class WebhookSignatureError(ShipmentError):
    """The push did not come from the courier (bad or missing signature, or too old)."""

    status_code = 403
    code = "bad_signature"
