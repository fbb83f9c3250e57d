"""SMS backends for tests, chosen with ``settings.SMS_BACKEND`` like the real ones."""

import os
import threading
import time

from notices.backends import PermanentSendError, TransientSendError


class ScriptedSmsBackend:
    """Answers each call as the test scripted it, and counts the calls.

    ``script`` is consumed one outcome per call: ``"ok"``, ``"transient"``, ``"permanent"``
    or ``"boom"`` (an unexpected exception); once empty, ``default`` answers. ``delay`` makes
    every call take that long (to hold the row lock while another sender tries).
    """

    lock = threading.Lock()
    script: list[str] = []
    default = "ok"
    delay = 0.0
    calls: list[dict] = []

    @classmethod
    def reset(cls, *, script=(), default: str = "ok", delay: float = 0.0) -> None:
        with cls.lock:
            cls.script = list(script)
            cls.default = default
            cls.delay = delay
            cls.calls = []

    def send(self, *, address: str, text: str, idempotency_key: str) -> str:
        cls = type(self)
        with cls.lock:
            outcome = cls.script.pop(0) if cls.script else cls.default
            cls.calls.append({"address": address, "text": text, "key": idempotency_key})
        if cls.delay:
            time.sleep(cls.delay)
        if outcome == "transient":
            raise TransientSendError("gateway timed out")
        if outcome == "permanent":
            raise PermanentSendError("invalid number")
        if outcome == "boom":
            raise RuntimeError("backend bug")
        return f"scripted-{idempotency_key}"


class FileSmsBackend:
    """Appends one line per SMS to the file named by ``ONETRIP_TEST_SMS_FILE``.

    For a worker in another process: the file counts deliveries outside the database.
    """

    def send(self, *, address: str, text: str, idempotency_key: str) -> str:
        line = f"{idempotency_key}\t{address}\t{text.replace(chr(10), ' ')}\n"
        with open(os.environ["ONETRIP_TEST_SMS_FILE"], "a", encoding="utf-8") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())
        return f"file-{idempotency_key}"
