"""The HTTP source against a real local server: found, not found, down, slow, retried."""

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from exchange.sources import ExchangeUnavailableError, HttpSource, Query

QUERY = Query(
    identity_kind="person",
    identity="330402198805123013",
    name="张伟",
    items=("household", "marriage"),
    purpose="办理《社会保障卡申领》（20261206-00001）",
    requester="police",
)


class Exchange:
    """A fake exchange platform: answers with ``records``, fails the first ``failures``
    calls with 503, or sleeps ``delay`` seconds first; remembers what it was asked."""

    def __init__(self, records=None, *, failures: int = 0, delay: float = 0):
        self.records = records or {}
        self.failures = failures
        self.delay = delay
        self.calls: list[dict] = []
        self.headers: list[dict] = []
        exchange = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                exchange.calls.append(body)
                exchange.headers.append(dict(self.headers))
                if exchange.delay:
                    threading.Event().wait(exchange.delay)
                if len(exchange.calls) <= exchange.failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = json.dumps({"records": exchange.records}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (timeout)
                    self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/lookup"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve(settings):
    servers = []

    def start(records=None, **kwargs) -> Exchange:
        exchange = Exchange(records, **kwargs)
        servers.append(exchange)
        settings.DATA_EXCHANGE = {
            "BACKEND": "exchange.sources.HttpSource",
            "URL": exchange.url,
            "KEY": "secret-key",
            "TIMEOUT": 0.5,
            "RETRIES": 2,
        }
        return exchange

    yield start
    for exchange in servers:
        exchange.close()


HOUSEHOLD = {"fields": [{"label": "户籍地址", "value": "嘉兴市南湖区中山路1号"}]}


def test_found_and_not_found_in_one_call(serve):
    exchange = serve({"household": HOUSEHOLD, "marriage": None})

    records = HttpSource().lookup(QUERY)

    assert records == {"household": HOUSEHOLD, "marriage": None}
    assert len(exchange.calls) == 1
    assert exchange.calls[0]["items"] == ["household", "marriage"]
    assert exchange.calls[0]["identity"] == QUERY.identity
    assert exchange.calls[0]["purpose"] == QUERY.purpose
    assert exchange.headers[0]["Authorization"] == "Bearer secret-key"


def test_a_failing_platform_is_tried_again(serve):
    exchange = serve({"household": HOUSEHOLD}, failures=2)

    assert HttpSource().lookup(QUERY)["household"] == HOUSEHOLD
    assert len(exchange.calls) == 3


def test_retries_run_out(serve):
    exchange = serve({"household": HOUSEHOLD}, failures=10)

    with pytest.raises(ExchangeUnavailableError):
        HttpSource().lookup(QUERY)
    assert len(exchange.calls) == 3  # one call and RETRIES (2) more


def test_a_slow_platform_times_out(serve, settings):
    exchange = serve({"household": HOUSEHOLD}, delay=1.5)
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "RETRIES": 0, "TIMEOUT": 0.2}

    with pytest.raises(ExchangeUnavailableError):
        HttpSource().lookup(QUERY)
    assert len(exchange.calls) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_platform_that_is_down(settings):
    settings.DATA_EXCHANGE = {
        "BACKEND": "exchange.sources.HttpSource",
        "URL": f"http://127.0.0.1:{_free_port()}/lookup",
        "KEY": "k",
        "TIMEOUT": 0.5,
        "RETRIES": 1,
    }
    with pytest.raises(ExchangeUnavailableError):
        HttpSource().lookup(QUERY)


def test_a_bad_answer_counts_as_unavailable(serve):
    exchange = serve()
    exchange.records = "nonsense"

    with pytest.raises(ExchangeUnavailableError):
        HttpSource().lookup(QUERY)


def _apply(user, matter) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        "/api/v1/cases/", {"matter": matter.code, "consent": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_case_through_the_platform(serve, known_citizen, card_matter):
    exchange = serve({"household": HOUSEHOLD})

    answer = _apply(known_citizen, card_matter)

    statuses = {m["name"]: m["status"] for m in answer["materials"]}
    assert statuses["居民户口簿"] == "satisfied_by_data"
    assert statuses["结婚证"] == "missing"
    assert len(exchange.calls) == 1
    assert exchange.calls[0]["requester"] == "police"
    case = Case.objects.get(number=answer["number"])
    assert sorted(case.data_lookups.values_list("data_item__code", "outcome", "source")) == [
        ("household", "found", "http"),
        ("marriage", "not_found", "http"),
    ]


def test_a_case_while_the_platform_is_down(settings, known_citizen, card_matter):
    settings.DATA_EXCHANGE = {
        "BACKEND": "exchange.sources.HttpSource",
        "URL": f"http://127.0.0.1:{_free_port()}/lookup",
        "KEY": "k",
        "TIMEOUT": 0.5,
        "RETRIES": 1,
    }

    answer = _apply(known_citizen, card_matter)

    household = next(m for m in answer["materials"] if m["name"] == "居民户口簿")
    assert (household["status"], household["reason"]) == (
        "missing",
        "数据共享平台暂不可用，请提交纸质材料",
    )
    assert Case.objects.get(number=answer["number"]).status == "draft"
