"""Shared by the integration tests: real Celery worker processes (``celery_worker_process``).

Each test gets its own broker queue, so a worker never takes another test's (or an earlier
run's) tasks, and workers that are always killed at the end, whatever happened.

    def test_something(celery_worker_process):
        worker = celery_worker_process.start(settings={"COURIER_SIM_DELAY_SECONDS": 3})
        ...                 # tasks published by this process now go to the worker's queue
        worker.kill()       # SIGKILL, as a crash would
        celery_worker_process.start()   # a new worker on the same queue

Tests using it must be transactional (the worker reads what the test committed):
``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from hall.celery import app

READY_TIMEOUT = 60


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = ""):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)


class WorkerProcess:
    """One ``celery -A hall worker --pool=solo`` subprocess and its log file."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for_output(self, text: str, *, timeout: float = 60) -> None:
        def seen():
            if text in self.output():
                return True
            if not self.alive:
                pytest.fail(f"worker exited ({self.process.returncode}):\n{self.output()[-3000:]}")
            return False

        wait_until(seen, timeout=timeout, what=f"{text!r} in the worker's log")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class CeleryWorkers:
    """Starts workers on one private queue; ``stop_all`` kills every one it started."""

    def __init__(self, log_dir: Path):
        self.queue = f"it-{uuid.uuid4().hex[:10]}"
        self.log_dir = log_dir
        self.workers: list[WorkerProcess] = []

    def environment(self, overrides: dict) -> dict:
        db = connection.settings_dict  # inside a test: the test database
        user = db.get("USER") or ""
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        worker_settings = {"CELERY_TASK_DEFAULT_QUEUE": self.queue, **overrides}
        return {
            **os.environ,
            "DATABASE_URL": f"postgres://{user}{password}@{host}{port}/{db['NAME']}",
            "REDIS_URL": django_settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "ONETRIP_TEST_SETTINGS": json.dumps(worker_settings),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, *, settings: dict | None = None, ready: bool = True) -> WorkerProcess:
        """A new worker process on this test's queue, with ``settings`` overridden."""
        number = len(self.workers) + 1
        log = self.log_dir / f"worker-{number}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "hall", "worker",
            "--pool=solo", "--loglevel=INFO", "-Q", self.queue,
            "-n", f"{self.queue}-{number}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command,
                cwd=django_settings.BASE_DIR,
                env=self.environment(settings or {}),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our signals reach the worker only, never pytest
            )
        worker = WorkerProcess(process, log)
        self.workers.append(worker)
        if ready:
            worker.wait_for_output("ready.", timeout=READY_TIMEOUT)
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.kill()

    def purge(self) -> None:
        """Drop what is left of this test's queue in the broker (waiting or unacknowledged).

        Best effort, bounded: a broker a test stopped on purpose is simply left alone.
        """
        sep = "\x06\x16"  # kombu's separator: priority sub-queues and bindings
        client = redis.Redis.from_url(
            app.conf.broker_url, socket_timeout=2, socket_connect_timeout=2
        )
        try:
            client.delete(self.queue, *(f"{self.queue}{sep}{p}" for p in range(1, 10)))
            for key in client.scan_iter("_kombu.binding.*"):
                for member in client.smembers(key):
                    if member.decode(errors="replace").endswith(f"{sep}{self.queue}"):
                        client.srem(key, member)
            for tag, payload in client.hgetall("unacked").items():
                try:
                    routing_key = json.loads(payload)[2]
                except (ValueError, IndexError, TypeError):
                    continue
                if routing_key == self.queue:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
        except redis.RedisError:
            pass
        finally:
            client.close()


@pytest.fixture
def celery_worker_process(django_db_setup, tmp_path):
    """Start real Celery workers for this test (see the module docstring); killed after it."""
    if not django_settings.REDIS_URL:
        pytest.skip("integration tests need REDIS_URL (a real broker)")
    if connection.vendor != "postgresql":
        pytest.skip("integration tests need PostgreSQL (shared by the test and the worker)")
    workers = CeleryWorkers(tmp_path)
    # Tasks this process publishes go to the test's own queue, as the worker's do.
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = workers.queue
    # The app caches its queues and router on first publish: rebuild them for this queue.
    app.__dict__.pop("amqp", None)
    try:
        yield workers
    finally:
        app.conf.task_default_queue = default_queue
        app.__dict__.pop("amqp", None)
        workers.stop_all()
        workers.purge()
        for number, worker in enumerate(workers.workers, start=1):
            # Shown by pytest when the test failed.
            print(f"--- worker {number} (pid {worker.pid}) log, last lines ---")
            print(worker.output()[-4000:])
