"""The access log never records the ID characters of a tracking query (nor other personal
query values): runserver's and gunicorn's request lines are redacted."""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hall.log_filters import redact

ROOT = Path(__file__).resolve().parents[2]
TRACK_LINE = "GET /api/v1/track/20260101-00001/?id_last4=1234&page=2 HTTP/1.1"


@pytest.fixture
def capture(caplog):
    """caplog on a logger of its own: the access loggers do not propagate to the root."""
    attached = []

    def on(name: str) -> logging.Logger:
        logger = logging.getLogger(name)
        logger.addHandler(caplog.handler)
        attached.append(logger)
        return logger

    caplog.set_level(logging.INFO)
    yield on
    for logger in attached:
        logger.removeHandler(caplog.handler)


def test_runserver_request_lines_lose_the_id_characters(capture, caplog):
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message writes them.
    capture("django.server").info('"%s" %s %s', TRACK_LINE, "404", "58")

    assert "1234" not in caplog.text
    assert "id_last4=[redacted]" in caplog.text
    assert "page=2" in caplog.text
    assert '" 404 58' in caplog.text


def test_gunicorn_access_lines_lose_the_id_characters(capture, caplog):
    # gunicorn logs its access format with a dict of atoms as the one argument.
    atoms = {"h": "10.0.0.9", "r": TRACK_LINE, "s": "200", "q": "id_last4=1234&page=2"}
    capture("gunicorn.access").info('%(h)s "%(r)s" %(s)s %(q)s', atoms)

    assert "1234" not in caplog.text
    assert 'id_last4=[redacted]&page=2 HTTP/1.1" 200 id_last4=[redacted]&page=2' in caplog.text


def test_application_logs_through_the_console_handler_are_redacted_too(settings):
    handler_filters = settings.LOGGING["handlers"]["console"]["filters"]
    record = logging.LogRecord(
        "cases", logging.WARNING, __file__, 1, "Bad Request: %s", ("/track/?id_last4=9X12",), None
    )
    configured = logging.getLogger().handlers
    console = [
        h
        for h in configured
        if any(f.__class__.__name__ == "RedactPersonalData" for f in h.filters)
    ]

    assert handler_filters == ["personal_data"]
    assert console, "the root's console handler carries the filter"
    console[0].filter(record)
    assert record.getMessage() == "Bad Request: /track/?id_last4=[redacted]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/track/?number=20260101-00001&id_last4=1234",
            "/track/?number=20260101-00001&id_last4=[redacted]",
        ),
        ("?applicant_id_number=330106199001011234", "?applicant_id_number=[redacted]"),
        ("?phone=13800138000&x=1", "?phone=[redacted]&x=1"),
        ("?mobile=13800138000", "?mobile=[redacted]"),
        ("?token=abc&password=secret", "?token=[redacted]&password=[redacted]"),
        ("?ID_LAST4=12X4", "?ID_LAST4=[redacted]"),
        ("/api/v1/cases/?status=submitted&page=2", "/api/v1/cases/?status=submitted&page=2"),
    ],
)
def test_personal_query_values_are_redacted(text, expected):
    assert redact(text) == expected


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server exited before answering")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "runserver"])
def test_a_real_server_logs_the_tracking_query_without_the_id_characters(server, tmp_path):
    port = _free_port()
    command = {
        "gunicorn": [
            sys.executable, "-m", "gunicorn", "hall.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--access-logfile", "-",
        ],
        "runserver": [
            sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
            "--skip-checks",
        ],
    }[server]  # fmt: skip
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            _wait_for(port, process)
            url = f"http://127.0.0.1:{port}/track/?number=20260101-00001&id_last4=4321"
            with urllib.request.urlopen(url, timeout=20) as response:
                assert response.status == 200
            time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(timeout=20)
    text = log.read_text(encoding="utf-8", errors="replace")

    assert "/track/?number=20260101-00001&id_last4=[redacted]" in text, text
    assert "4321" not in text
