"""Shared by the integration tests: real Celery worker processes (``celery_worker_process``).

Each test gets its own broker queue, so a worker never takes another test's (or an earlier
run's) tasks, and workers that are always killed at the end, whatever happened.

    def test_something(celery_worker_process):
        worker = celery_worker_process.start(settings={"COURIER_SIM_DELAY_SECONDS": 3})
        ...                 # tasks published by this process now go to the worker's queue
        worker.kill()       # SIGKILL, as a crash would
        celery_worker_process.start()   # a new worker on the same queue
        celery_worker_process.start(pool=DEPLOYED_POOL)  # prefork, as docker-compose runs it

Tests using it must be transactional (the worker reads what the test committed):
``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``.
"""

import contextlib
import json
import os
import signal
import socket
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
# The pool the tests use by default: one process, whose log shows every task in order.
SOLO_POOL = ("--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat")
# The pool and options the deployment runs (docker-compose.yml's worker; `make run` the same
# with the embedded broker); tests/integration/test_deployment.py checks they agree.
DEPLOYED_POOL = ("--pool=prefork", "--concurrency=2")


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


def subprocess_environment(overrides: dict, *, redis_url: str) -> dict:
    """The environment of a process of the project working on this test's database.

    ``overrides`` are settings (``tests/integration/worker_settings.py``); an empty
    ``redis_url`` gives the embedded mode (tasks run eagerly).
    """
    db = connection.settings_dict  # inside a test: the test database
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{password}@{host}{port}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "ONETRIP_TEST_SETTINGS": json.dumps(overrides),
        "PYTHONUNBUFFERED": "1",
    }


class WorkerProcess:
    """One ``celery -A hall worker`` subprocess and its log file."""

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
        """Signal the worker and, with ``SIGKILL``, its pool processes too (its own group)."""
        if self.alive:
            if sig == signal.SIGKILL:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # pool processes left behind


class RedisServer:
    """A throw-away ``redis-server`` (no persistence) that a test can stop and start again.

    Each test that stops Redis runs its own on a private port, never the machine's 6379.
    """

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.ping():
            pytest.fail(f"something already answers on port {self.port}; stop it first")
        self.process = subprocess.Popen(
            [
                "redis-server",
                *f"--port {self.port} --bind 127.0.0.1 --appendonly no --daemonize no".split(),
                *("--save", ""),  # no snapshots: a restart starts empty, as after a crash
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.ping, timeout=20, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        wait_until(lambda: not self.ping(), timeout=10, what="redis-server to stop")


@contextlib.contextmanager
def broker_of_this_process(redis_server: RedisServer | None):
    """Publish from this process to ``redis_server`` (not eagerly) while inside the block.

    ``None``: to an in-memory broker nobody reads, so that only what the test starts (an
    embedded scheduler) does the work.
    """
    saved = (app.conf.broker_url, app.conf.broker_transport, app.conf.task_always_eager)
    if redis_server is None:
        app.conf.broker_url, app.conf.broker_transport = "memory://", None
    else:
        app.conf.broker_url = redis_server.url
    app.conf.task_always_eager = False
    # Every app's tasks registered first: closing the app (to drop pooled connections to the
    # old broker) also takes it off Celery's list of apps that a task module imported later
    # registers its tasks with, and publishing such a task would find it unknown.
    app.loader.import_default_modules()
    app.close()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport, app.conf.task_always_eager = saved
        app.close()


class CeleryWorkers:
    """Starts workers on one private queue; ``stop_all`` kills every one it started."""

    def __init__(self, log_dir: Path):
        self.queue = f"it-{uuid.uuid4().hex[:10]}"
        self.log_dir = log_dir
        self.workers: list[WorkerProcess] = []

    def environment(self, overrides: dict) -> dict:
        worker_settings = {"CELERY_TASK_DEFAULT_QUEUE": self.queue, **overrides}
        return subprocess_environment(worker_settings, redis_url=django_settings.REDIS_URL)

    def start(
        self,
        *,
        settings: dict | None = None,
        ready: bool = True,
        pool: tuple[str, ...] = SOLO_POOL,
    ) -> WorkerProcess:
        """A new worker process on this test's queue, with ``settings`` overridden.

        ``pool`` holds the pool options: ``SOLO_POOL`` by default, ``DEPLOYED_POOL`` for the
        prefork pool production runs.
        """
        number = len(self.workers) + 1
        log = self.log_dir / f"worker-{number}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "hall", "worker",
            "--loglevel=INFO", "-Q", self.queue, "-n", f"{self.queue}-{number}@%h", *pool,
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
