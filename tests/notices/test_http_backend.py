"""The HTTP SMS gateway backend against a tiny local gateway (http.server in a thread)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notices.backends import HttpSmsBackend, PermanentSendError, TransientSendError
from notices.models import Notice, NoticeAttempt
from notices.services import notice_create, notice_send


class Gateway:
    """A scripted gateway: each request pops ``(status, body)`` from ``answers``."""

    def __init__(self):
        self.answers: list[tuple[int, bytes]] = []
        self.requests: list[dict] = []
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                if gateway.delay:
                    time.sleep(gateway.delay)
                status, body = gateway.answers.pop(0) if gateway.answers else (200, b"{}")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A client that gave up (the timeout test) is expected: no traceback on stderr.
        self.server.handle_error = lambda request, client_address: None
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, *answers: tuple[int, bytes]) -> None:
        self.answers.extend(answers)


@pytest.fixture
def gateway(settings):
    gateway = Gateway()
    gateway.thread.start()
    settings.SMS_BACKEND = "notices.backends.HttpSmsBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_KEY = "test-key"
    settings.SMS_GATEWAY_TIMEOUT = 2
    try:
        yield gateway
    finally:
        gateway.server.shutdown()
        gateway.server.server_close()
        gateway.thread.join(timeout=5)


def send(text: str = "您的办件已受理。") -> str:
    return HttpSmsBackend().send(address="13800001111", text=text, idempotency_key="notice-7")


def test_200_is_sent_with_the_gateways_id(gateway):
    gateway.answer((200, b'{"id": "gw-123"}'))
    assert send() == "gw-123"
    request = gateway.requests[0]
    assert request["path"] == "/sms/send"
    assert request["body"] == {"to": "13800001111", "text": "您的办件已受理。", "id": "notice-7"}
    assert request["headers"]["Authorization"] == "Bearer test-key"
    assert request["headers"]["Idempotency-Key"] == "notice-7"
    assert request["headers"]["Content-Type"] == "application/json"


def test_200_with_a_body_that_is_not_json_is_still_sent(gateway):
    """The gateway accepted the message: retrying would send it twice."""
    gateway.answer((200, b"OK"))
    assert send() == ""


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_5xx_and_429_are_transient(gateway, status):
    gateway.answer((status, b'{"error": "busy"}'))
    with pytest.raises(TransientSendError, match=str(status)):
        send()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_permanent(gateway, status):
    gateway.answer((status, b'{"error": "bad number"}'))
    with pytest.raises(PermanentSendError, match=str(status)):
        send()


def test_a_gateway_that_does_not_answer_in_time_is_transient(gateway, settings):
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    gateway.delay = 1.0
    started = time.monotonic()
    with pytest.raises(TransientSendError):
        send()
    assert time.monotonic() - started < 0.9


def test_a_gateway_that_is_not_there_is_transient(settings):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/sms/send"
    settings.SMS_GATEWAY_TIMEOUT = 1
    with pytest.raises(TransientSendError, match="unreachable"):
        send()


@pytest.mark.django_db
def test_through_the_outbox_500_then_200_is_sent_once_with_the_retry_recorded(gateway):
    gateway.answer((500, b"{}"), (200, b'{"id": "gw-9"}'))
    notice = notice_create(
        key="case-event:1",
        channel="sms",
        template="case_submitted",
        context={"number": "20260305-00001", "matter": "不动产转移登记"},
        address="13800001111",
    )
    assert notice_send(notice_id=notice.pk) == "pending"
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=notice.created_at)
    assert notice_send(notice_id=notice.pk) == "sent"
    notice.refresh_from_db()
    assert notice.provider_id == "gw-9" and notice.attempts == 2
    assert list(NoticeAttempt.objects.filter(notice=notice).values_list("ok", "error")) == [
        (False, "gateway answered 500"),
        (True, ""),
    ]
    # Both tries carried the same idempotency key: the gateway can tell a repeat.
    assert {r["headers"]["Idempotency-Key"] for r in gateway.requests} == {f"notice-{notice.pk}"}


@pytest.mark.django_db
def test_through_the_outbox_400_fails_at_once(gateway):
    gateway.answer((400, b'{"error": "invalid number"}'))
    notice = notice_create(
        key="case-event:1",
        channel="sms",
        template="case_submitted",
        context={},
        address="13800001111",
    )
    assert notice_send(notice_id=notice.pk) == "failed"
    notice.refresh_from_db()
    assert notice.last_error == "gateway refused: 400"
    assert len(gateway.requests) == 1
