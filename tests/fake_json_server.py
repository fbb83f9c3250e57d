"""A tiny JSON-over-HTTP service on 127.0.0.1 (http.server in a thread): the base of the
fake courier and the fake payment platform. A subclass gives ``handler_class``, a request
handler (subclass of ``JsonHandler``) whose ``service`` is the fake itself."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    service = None  # set per server: the fake whose state the handler reads and writes

    def log_message(self, *args):  # quiet
        pass

    def body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeJsonServer:
    handler_class: type[JsonHandler] = JsonHandler

    def __init__(self):
        self._lock = threading.Lock()
        handler = type(self.handler_class.__name__, (self.handler_class,), {"service": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
