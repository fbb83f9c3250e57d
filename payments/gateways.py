"""Payment gateways, chosen by ``settings.PAYMENT_GATEWAY["BACKEND"]``.

Every gateway answers three calls:

- ``create_order(payment, idempotency_key) -> Order``: place the order for the payment's
  amount (the same key always names the same order at the gateway);
- ``query(payment) -> str``: the order's status there: ``unpaid``, ``paid``, ``refunded`` or
  ``closed``;
- ``refund(payment, order_id="", amount=None)``: pay the amount back (idempotent at the gateway
  by the payment's key); ``order_id``: another order of the payment (a stray charge);
- ``close(payment) -> str``: close the payment's open order so that it can no longer be paid;
  the order's status after it: ``closed`` (or ``paid`` when the payer paid first).

``payments.gateways.SimulatedGateway`` (the default) needs nothing outside: the payer confirms
on the local page ``/pay/<reference>/`` (``Order.confirmed`` is true), as in a demo or a
test. ``payments.gateways.HttpGateway`` speaks JSON over HTTP to the unified non-tax payment
platform (统一公共支付平台) at ``URL`` with the bearer ``KEY``, ``TIMEOUT`` seconds per call:

- ``POST {URL}/orders/`` ``{idempotency_key, reference, amount, subject, notify_url}`` (and the
  ``Idempotency-Key`` header) → ``{"order_id": "…", "pay_url": "https://…"}``;
- ``GET {URL}/orders/{order_id}/`` → ``{"status": "unpaid" | "paid" | "refunded" | "closed",
  "amount": "12.00"}``;
- ``POST {URL}/orders/{order_id}/refund/`` ``{idempotency_key, amount}`` → ``{"status": …}``;
- ``POST {URL}/orders/{order_id}/close/`` → ``{"status": "closed" | "paid"}``.

The platform confirms a payment with a signed callback (``payments.api``) and the periodic
reconciliation asks it about the orders still open. A gateway raises ``GatewayError`` when it
cannot answer (a retry later may succeed).
"""

import hashlib
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.http_json import HttpJsonError, json_call

from .exceptions import GatewayError

logger = logging.getLogger("payments")

GATEWAY_STATUSES = ("unpaid", "paid", "refunded", "closed")


@dataclass(frozen=True)
class Order:
    """An order placed at the gateway."""

    order_id: str
    # Where the payer pays: the gateway's page, or the local page of the simulated gateway.
    pay_url: str
    # The simulated gateway: the payer's confirmation on the local page is the payment.
    confirmed: bool = False


def gateway_settings() -> dict:
    return settings.PAYMENT_GATEWAY


def payment_gateway():
    """The gateway named by ``PAYMENT_GATEWAY["BACKEND"]``."""
    return import_string(gateway_settings()["BACKEND"])()


def local_pay_url(payment) -> str:
    """The portal's own page of a payment: where every payer starts (``pay_url``)."""
    return reverse("payments:pay", args=[payment.reference])


class SimulatedGateway:
    """A gateway in-process: the payer's confirmation on the local page is the payment."""

    name = "simulated"

    def create_order(self, payment, idempotency_key) -> Order:
        digest = hashlib.sha256(str(idempotency_key).encode()).hexdigest()
        return Order(
            order_id=f"SIM{int(digest[:16], 16) % 10**12:012d}",
            pay_url=local_pay_url(payment),
            confirmed=True,
        )

    def query(self, payment) -> str:
        # Nothing is paid anywhere but on the local page, which records it at once.
        return "paid" if payment.status == "paid" else "unpaid"

    def refund(self, payment, order_id: str = "", amount=None) -> None:
        logger.info("simulated refund of %s (%s)", order_id or payment.reference, payment.amount)

    def close(self, payment) -> str:
        return "closed"  # nothing is open anywhere but on the local page


class HttpGateway:
    """The unified non-tax payment platform's JSON API over HTTP (urllib: no dependency)."""

    name = "unified"

    def __init__(self) -> None:
        config = gateway_settings()
        self.url = str(config["URL"]).rstrip("/")
        self.key = str(config["KEY"])
        self.timeout = float(config["TIMEOUT"])
        if not self.url:
            raise GatewayError(_("未配置支付平台地址（PAYMENT_GATEWAY URL）。"))

    def create_order(self, payment, idempotency_key) -> Order:
        answer = self._call(
            "POST",
            f"{self.url}/orders/",
            body={
                "idempotency_key": str(idempotency_key),
                "reference": payment.reference,
                "amount": str(payment.amount),
                "subject": payment.case.title,
                "notify_url": f"{settings.SITE_URL}{reverse('api:payment-callback')}",
            },
            headers={"Idempotency-Key": str(idempotency_key)},
        )
        order_id = str(answer.get("order_id") or "").strip()
        pay_url = str(answer.get("pay_url") or "").strip()
        if not order_id or len(order_id) > 64 or not pay_url.startswith(("https://", "http://")):
            raise GatewayError(_("支付平台未返回有效订单：%(a)r") % {"a": answer})
        return Order(order_id=order_id, pay_url=pay_url)

    def query(self, payment) -> str:
        answer = self._call("GET", f"{self.url}/orders/{urllib.parse.quote(payment.order_id)}/")
        status = str(answer.get("status") or "")
        if status not in GATEWAY_STATUSES:
            raise GatewayError(_("支付平台返回未知状态：%(s)r") % {"s": status})
        amount = answer.get("amount")
        if status == "paid" and amount is not None and Decimal(str(amount)) != payment.amount:
            raise GatewayError(
                _("支付平台的金额 %(a)s 与应缴金额 %(b)s 不符。")
                % {"a": amount, "b": payment.amount}
            )
        return status

    def refund(self, payment, order_id: str = "", amount=None) -> None:
        order_id = order_id or payment.order_id
        key = f"{payment.idempotency_key}-refund-{order_id}"
        self._call(
            "POST",
            f"{self.url}/orders/{urllib.parse.quote(order_id)}/refund/",
            body={"idempotency_key": key, "amount": str(amount or payment.amount)},
            headers={"Idempotency-Key": key},
        )

    def close(self, payment) -> str:
        answer = self._call(
            "POST", f"{self.url}/orders/{urllib.parse.quote(payment.order_id)}/close/", body={}
        )
        status = str(answer.get("status") or "")
        if status not in ("closed", "paid"):
            raise GatewayError(_("支付平台返回未知状态：%(s)r") % {"s": status})
        return status

    def _call(self, method: str, url: str, *, body=None, headers=None) -> dict:
        try:
            return json_call(
                method, url, key=self.key, timeout=self.timeout, body=body, headers=headers
            )
        except HttpJsonError as error:
            raise _gateway_error(error) from error


def _gateway_error(error: HttpJsonError) -> GatewayError:
    if error.kind == "status":
        return GatewayError(_("支付平台返回 %(code)s。") % {"code": error.status})
    if error.kind == "unreachable":
        return GatewayError(_("支付平台无法连接：%(e)s") % {"e": error.detail})
    if error.kind == "not_json":
        return GatewayError(_("支付平台返回的不是 JSON。"))
    return GatewayError(_("支付平台返回的格式不对。"))
