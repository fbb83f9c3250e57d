"""Courier backends, chosen by the setting ``COURIER_BACKEND``.

- ``delivery.backends.SimulatedCourier`` (the default): answers an order with a waybill derived
  from the order's idempotency key (the same key always gets the same waybill, as a real
  courier's idempotent order API does) and moves it along 已揽收 → 运输中 → 派送中 → 已签收,
  one step every ``COURIER_SIM_STEP_SECONDS`` from the order time. Stateless: the order time
  is kept on the shipment. ``COURIER_SIM_DELAY_SECONDS`` makes each order slow (tests).
- ``delivery.backends.HttpCourier``: a JSON-over-HTTP courier at ``COURIER_URL`` with the key
  ``COURIER_KEY`` (bearer), ``COURIER_TIMEOUT`` seconds per call:
  ``POST {COURIER_URL}/orders/`` with ``{idempotency_key, receiver, phone, province, city,
  district, address, reference}`` (header ``Idempotency-Key`` too) → ``{"waybill": "…"}``;
  ``GET {COURIER_URL}/tracking/{waybill}/`` → ``{"events": [{event_id, status, at, note}]}``.

A backend raises ``TransientCourierError`` for what a retry may cure (timeouts, refused
connections, 5xx, 429) and ``PermanentCourierError`` for what it will not (other 4xx).
Tracking statuses are the shipment's: ``picked_up``, ``in_transit``, ``delivered``, ``failed``.
"""

import datetime
import hashlib
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.http_json import HttpJsonError, json_call

from .exceptions import PermanentCourierError, TransientCourierError

logger = logging.getLogger("delivery")

TRACKING_STATUSES = ("picked_up", "in_transit", "delivered", "failed")


@dataclass(frozen=True)
class Order:
    """What the courier needs to pick up and deliver one result."""

    idempotency_key: uuid.UUID
    reference: str  # the case number, printed on the label
    receiver: str
    phone: str
    province: str
    city: str
    district: str
    address: str

    def as_json(self) -> dict:
        return {
            "idempotency_key": str(self.idempotency_key),
            "reference": self.reference,
            "receiver": self.receiver,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "address": self.address,
        }


@dataclass(frozen=True)
class TrackingUpdate:
    """One step of the courier's tracking for a waybill."""

    event_id: str
    status: str
    at: datetime.datetime
    note: str = ""


def courier_backend():
    """The backend named by ``COURIER_BACKEND``."""
    return import_string(settings.COURIER_BACKEND)()


class SimulatedCourier:
    """A courier in-process: deterministic waybills and a tracking progression over time."""

    PREFIX = "SIM"
    # (status, note) of each tracking step, one ``COURIER_SIM_STEP_SECONDS`` apart.
    STEPS = (
        ("picked_up", "已揽收"),
        ("in_transit", "运输中"),
        ("in_transit", "派送中"),
        ("delivered", "已签收"),
    )

    def order(self, order: Order) -> str:
        """The waybill for the order: a function of its idempotency key alone."""
        delay = float(settings.COURIER_SIM_DELAY_SECONDS)
        if delay > 0:
            time.sleep(delay)
        return self.waybill_for(order.idempotency_key)

    @classmethod
    def waybill_for(cls, idempotency_key: uuid.UUID | str) -> str:
        digest = hashlib.sha256(str(idempotency_key).encode()).hexdigest()
        return f"{cls.PREFIX}{int(digest[:16], 16) % 10**12:012d}"

    def track(
        self,
        waybill: str,
        *,
        ordered_at: datetime.datetime | None,
        now: datetime.datetime | None = None,
    ) -> list[TrackingUpdate]:
        """The steps reached by ``now``: step n at ``ordered_at + n × COURIER_SIM_STEP_SECONDS``."""
        if ordered_at is None:
            return []
        now = now or timezone.now()
        step = datetime.timedelta(seconds=float(settings.COURIER_SIM_STEP_SECONDS))
        updates = []
        for number, (status, note) in enumerate(self.STEPS, start=1):
            at = ordered_at + number * step
            if at > now:
                break
            updates.append(
                TrackingUpdate(event_id=f"{waybill}-{number}", status=status, at=at, note=note)
            )
        return updates


class HttpCourier:
    """A courier's JSON API over HTTP (urllib: no extra dependency)."""

    def __init__(self) -> None:
        self.url = str(settings.COURIER_URL).rstrip("/")
        self.key = str(settings.COURIER_KEY)
        self.timeout = float(settings.COURIER_TIMEOUT)
        if not self.url:
            raise PermanentCourierError(_("未配置快递接口地址（COURIER_URL）。"))

    def order(self, order: Order) -> str:
        """Place the order (idempotent at the courier by its key) and return the waybill."""
        answer = self._call(
            "POST",
            f"{self.url}/orders/",
            body=order.as_json(),
            headers={"Idempotency-Key": str(order.idempotency_key)},
        )
        waybill = str(answer.get("waybill") or "").strip()
        if not waybill or len(waybill) > 40:
            # A proxy page or a half-answer: the courier will give the same waybill next time.
            raise TransientCourierError(_("快递接口未返回有效运单号：%(a)r") % {"a": answer})
        return waybill

    def track(
        self, waybill: str, *, ordered_at: datetime.datetime | None = None
    ) -> list[TrackingUpdate]:
        """The courier's tracking of a waybill so far."""
        answer = self._call("GET", f"{self.url}/tracking/{urllib.parse.quote(waybill)}/")
        return [update_from_json(item) for item in answer.get("events") or []]

    def _call(self, method: str, url: str, *, body=None, headers=None) -> dict:
        try:
            return json_call(
                method, url, key=self.key, timeout=self.timeout, body=body, headers=headers
            )
        except HttpJsonError as error:
            raise _courier_error(error) from error


def _courier_error(error: HttpJsonError) -> Exception:
    """Retry what may pass later (unreachable, 5xx, 408, 429, a garbled answer); not a refusal."""
    if error.kind == "status":
        values = {"code": error.status, "detail": error.detail}
        if error.status >= 500 or error.status in (408, 429):
            return TransientCourierError(_("快递接口返回 %(code)s：%(detail)s") % values)
        return PermanentCourierError(_("快递接口拒绝（%(code)s）：%(detail)s") % values)
    if error.kind == "unreachable":
        return TransientCourierError(_("快递接口无法连接：%(e)s") % {"e": error.detail})
    if error.kind == "not_json":
        return TransientCourierError(_("快递接口返回的不是 JSON。"))
    return TransientCourierError(_("快递接口返回的格式不对。"))


def update_from_json(item: dict) -> TrackingUpdate:
    """A tracking step as the courier sends it (poll answer or webhook body)."""
    at = item.get("at")
    parsed = parse_datetime(at) if isinstance(at, str) else None
    if parsed is None:
        raise ValueError(f"bad time: {at!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    status = str(item.get("status") or "")
    if status not in TRACKING_STATUSES:
        raise ValueError(f"bad status: {status!r}")
    return TrackingUpdate(
        event_id=str(item.get("event_id") or ""),
        status=status,
        at=parsed,
        note=str(item.get("note") or "")[:300],
    )
