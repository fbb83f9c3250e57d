"""A tiny courier on 127.0.0.1 (http.server in a thread) for the HTTP backend's tests.

It behaves as a real courier's idempotent order API: the same ``Idempotency-Key`` always
gets the same waybill. ``fail_first`` makes the first orders answer ``fail_status``;
``delay`` makes every answer slow. Everything it saw is in ``orders`` and ``tracking_calls``.
"""

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "courier-test-key"


class FakeCourier:
    def __init__(self, *, fail_first: int = 0, fail_status: int = 500, delay: float = 0):
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.delay = delay
        self.orders: list[dict] = []  # {"key", "status", "body"} per order received
        self.tracking_calls: list[str] = []
        self.tracking: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def waybill_for(self, key: str) -> str:
        return "HT" + str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**10)

    def __enter__(self) -> "FakeCourier":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handler(self):
        courier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if courier.delay:
                    time.sleep(courier.delay)
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self._answer(401, {"error": "bad key"})
                if self.path != "/orders/":
                    return self._answer(404, {"error": "no such endpoint"})
                key = self.headers.get("Idempotency-Key") or body.get("idempotency_key")
                with courier._lock:
                    failing = len(courier.orders) < courier.fail_first
                    status = courier.fail_status if failing else 200
                    courier.orders.append({"key": key, "status": status, "body": body})
                if failing:
                    return self._answer(status, {"error": "courier busy"})
                return self._answer(200, {"waybill": courier.waybill_for(key)})

            def do_GET(self):
                waybill = self.path.strip("/").split("/")[-1]
                courier.tracking_calls.append(waybill)
                self._answer(200, {"events": courier.tracking.get(waybill, [])})

        return Handler
