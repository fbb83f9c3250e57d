"""A tiny unified payment platform on 127.0.0.1 (http.server in a thread) for the HTTP
gateway's tests: idempotent orders (the same ``Idempotency-Key`` always the same order), an
order's status (``paid`` once the test says the payer paid there), refunds. Everything it saw
is in ``orders``, ``queries`` and ``refunds``."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "payment-platform-test-key"


class FakeGateway:
    def __init__(self):
        self.orders: dict[str, dict] = {}  # order id → {"key", "body", "status"}
        self.order_calls: list[str] = []
        self.queries: list[str] = []
        self.refunds: list[str] = []
        self.closes: list[str] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @staticmethod
    def order_id_for(key: str) -> str:
        return "UNI" + str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**10)

    def pay(self, order_id: str) -> None:
        """The payer paid on the platform's page."""
        with self._lock:
            self.orders[order_id]["status"] = "paid"

    def __enter__(self) -> "FakeGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handler(self):
        gateway = self

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
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self._answer(401, {"error": "bad key"})
                parts = self.path.strip("/").split("/")
                if parts == ["orders"]:
                    key = self.headers.get("Idempotency-Key") or body["idempotency_key"]
                    order_id = gateway.order_id_for(key)
                    with gateway._lock:
                        gateway.order_calls.append(key)
                        gateway.orders.setdefault(
                            order_id, {"key": key, "body": body, "status": "unpaid"}
                        )
                    return self._answer(
                        200, {"order_id": order_id, "pay_url": f"{gateway.url}/pay/{order_id}"}
                    )
                if len(parts) == 3 and parts[0] == "orders" and parts[2] == "close":
                    with gateway._lock:
                        gateway.closes.append(parts[1])
                        order = gateway.orders[parts[1]]
                        if order["status"] == "unpaid":
                            order["status"] = "closed"
                        status = order["status"]
                    return self._answer(200, {"status": status})
                if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refund":
                    with gateway._lock:
                        gateway.refunds.append(parts[1])
                        gateway.orders[parts[1]]["status"] = "refunded"
                    return self._answer(200, {"status": "refunded"})
                return self._answer(404, {"error": "no such endpoint"})

            def do_GET(self):
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self._answer(401, {"error": "bad key"})
                parts = self.path.strip("/").split("/")
                if len(parts) != 2 or parts[0] != "orders" or parts[1] not in gateway.orders:
                    return self._answer(404, {"error": "no such order"})
                with gateway._lock:
                    gateway.queries.append(parts[1])
                    order = gateway.orders[parts[1]]
                return self._answer(
                    200, {"status": order["status"], "amount": order["body"]["amount"]}
                )

        return Handler


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
