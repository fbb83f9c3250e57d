"""A tiny unified payment platform on 127.0.0.1 (http.server in a thread) for the HTTP
gateway's tests: idempotent orders (the same ``Idempotency-Key`` always the same order), an
order's status (``paid`` once the test says the payer paid there), refunds. Everything it saw
is in ``orders``, ``queries`` and ``refunds``."""

import hashlib

from tests.fake_json_server import FakeJsonServer, JsonHandler

KEY = "payment-platform-test-key"


class _GatewayHandler(JsonHandler):
    def do_POST(self):  # noqa: N802 (http.server calls it by this name)
        gateway = self.service
        body = self.body()
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self.answer(401, {"error": "bad key"})
        parts = self.path.strip("/").split("/")
        if parts == ["orders"]:
            key = self.headers.get("Idempotency-Key") or body["idempotency_key"]
            order_id = gateway.order_id_for(key)
            with gateway._lock:
                gateway.order_calls.append(key)
                gateway.orders.setdefault(order_id, {"key": key, "body": body, "status": "unpaid"})
            return self.answer(
                200, {"order_id": order_id, "pay_url": f"{gateway.url}/pay/{order_id}"}
            )
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "close":
            with gateway._lock:
                gateway.closes.append(parts[1])
                order = gateway.orders[parts[1]]
                if order["status"] == "unpaid":
                    order["status"] = "closed"
                status = order["status"]
            return self.answer(200, {"status": status})
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refund":
            with gateway._lock:
                gateway.refunds.append(parts[1])
                gateway.orders[parts[1]]["status"] = "refunded"
            return self.answer(200, {"status": "refunded"})
        return self.answer(404, {"error": "no such endpoint"})

    def do_GET(self):  # noqa: N802 (http.server calls it by this name)
        gateway = self.service
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self.answer(401, {"error": "bad key"})
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "orders" or parts[1] not in gateway.orders:
            return self.answer(404, {"error": "no such order"})
        with gateway._lock:
            gateway.queries.append(parts[1])
            order = gateway.orders[parts[1]]
        return self.answer(200, {"status": order["status"], "amount": order["body"]["amount"]})


class FakeGateway(FakeJsonServer):
    handler_class = _GatewayHandler

    def __init__(self):
        self.orders: dict[str, dict] = {}  # order id → {"key", "body", "status"}
        self.order_calls: list[str] = []
        self.queries: list[str] = []
        self.refunds: list[str] = []
        self.closes: list[str] = []
        super().__init__()

    @staticmethod
    def order_id_for(key: str) -> str:
        return "UNI" + str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**10)

    def pay(self, order_id: str) -> None:
        """The payer paid on the platform's page."""
        with self._lock:
            self.orders[order_id]["status"] = "paid"


def gateway_settings(url: str, **extra) -> dict:
    from django.conf import settings

    return {
        **settings.PAYMENT_GATEWAY,
        "BACKEND": "payments.gateways.HttpGateway",
        "URL": url,
        "KEY": KEY,
        "SECRET": "platform-callback-secret",
        **extra,
    }
