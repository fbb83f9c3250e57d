"""A tiny courier on 127.0.0.1 (http.server in a thread) for the HTTP backend's tests.

It behaves as a real courier's idempotent order API: the same ``Idempotency-Key`` always
gets the same waybill. ``fail_first`` makes the first orders answer ``fail_status``;
``delay`` makes every answer slow. Everything it saw is in ``orders`` and ``tracking_calls``.
"""

import hashlib
import time

from tests.fake_json_server import FakeJsonServer, JsonHandler

KEY = "courier-test-key"


class _CourierHandler(JsonHandler):
    def do_POST(self):  # noqa: N802 (http.server calls it by this name)
        courier = self.service
        body = self.body()
        if courier.delay:
            time.sleep(courier.delay)
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self.answer(401, {"error": "bad key"})
        if self.path != "/orders/":
            return self.answer(404, {"error": "no such endpoint"})
        key = self.headers.get("Idempotency-Key") or body.get("idempotency_key")
        with courier._lock:
            failing = len(courier.orders) < courier.fail_first
            status = courier.fail_status if failing else 200
            courier.orders.append({"key": key, "status": status, "body": body})
        if failing:
            return self.answer(status, {"error": "courier busy"})
        return self.answer(200, {"waybill": courier.waybill_for(key)})

    def do_GET(self):  # noqa: N802 (http.server calls it by this name)
        courier = self.service
        waybill = self.path.strip("/").split("/")[-1]
        courier.tracking_calls.append(waybill)
        self.answer(200, {"events": courier.tracking.get(waybill, [])})


class FakeCourier(FakeJsonServer):
    handler_class = _CourierHandler

    def __init__(self, *, fail_first: int = 0, fail_status: int = 500, delay: float = 0):
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.delay = delay
        self.orders: list[dict] = []  # {"key", "status", "body"} per order received
        self.tracking_calls: list[str] = []
        self.tracking: dict[str, list[dict]] = {}
        super().__init__()

    def waybill_for(self, key: str) -> str:
        return "HT" + str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**10)
