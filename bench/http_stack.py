"""The HTTP bench's own stack: a private redis-server, gunicorn and a Celery worker, as a
deployment runs them (docker-compose.yml), on free local ports, with production settings
(``bench.http_settings``: DEBUG off) and a temporary MEDIA_ROOT. Nothing else is started:
no Celery beat, so the schedule's sweepers do not run during a bench."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from bench.timing import wait_until

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_environment(*, database_url: str, redis_url: str, media_root: Path) -> dict:
    """The environment of the stack's processes (and of the bench's own Django setup):
    production settings as tests/settings.py gives them, the bench's database and Redis."""
    run = uuid.uuid4().hex
    return {
        "DJANGO_SETTINGS_MODULE": "bench.http_settings",
        "PYTHONPATH": str(BASE_DIR),
        "DEV_ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": f"bench-only-secret-key-{run}",
        "LICENCE_SIGNING_KEYS": f"bench:bench-only-licence-signing-key-{run}",
        "SITE_URL": "https://onetrip.bench.invalid",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXY_COUNT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(media_root),
        "SMS_BACKEND": "notices.backends.LoggingSmsBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The lifecycle's API is not throttled (only views with a throttle_scope are); these
        # are raised anyway so that a bench never meets a 429 from one client address.
        "TRACK_RATE": "100000/minute",
        "VERIFY_RATE": "100000/minute",
        "LOGIN_ADDRESS_RATE": "100000/hour",
        "PYTHONUNBUFFERED": "1",
    }


class Process:
    """A subprocess of the stack in its own process group, logging to a file."""

    name = "process"

    def __init__(self, command: list[str], *, env: dict, log: Path, cwd: Path = BASE_DIR):
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env={**os.environ, **env},
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        if self.process.poll() is not None:
            sys.exit(f"{self.name} exited:\n{self.output()[-4000:]}")
        return True

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful; celery: warm shutdown
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)  # the group this bench started
                self.process.wait(timeout=10)


class Stack:
    """redis-server, gunicorn (``--workers`` × ``--threads``, gthread) and ``celery -A hall
    worker`` (prefork with ``concurrency`` processes, or solo)."""

    def __init__(
        self,
        *,
        database_url: str,
        workers: int = 2,
        threads: int = 4,
        pool: str = "prefork",
        concurrency: int = 2,
        keep_logs: bool = False,
    ):
        self.database_url = database_url
        self.workers, self.threads = workers, threads
        self.pool, self.concurrency = pool, concurrency
        self.keep_logs = keep_logs
        self.dir = Path(tempfile.mkdtemp(prefix="onetrip-http-bench-"))
        self.media_root = self.dir / "media"
        self.media_root.mkdir()
        self.redis_port = free_port()
        self.web_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.env = stack_environment(
            database_url=database_url, redis_url=self.redis_url, media_root=self.media_root
        )
        self.trace_file = self.dir / "trace.jsonl"
        self.env["BENCH_TRACE_FILE"] = str(self.trace_file)
        self.profile_dir = self.dir / "profile"
        self.processes: list[Process] = []

    def start_redis(self) -> None:
        redis = Process(
            [
                "redis-server",
                *f"--port {self.redis_port} --bind 127.0.0.1 --appendonly no".split(),
                *("--save", "", "--daemonize", "no"),
            ],
            env={},
            log=self.dir / "redis.log",
        )
        redis.name = "redis-server"
        self.processes.append(redis)

        def ping() -> bool:
            redis.alive()
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until(ping, timeout=20, what="redis-server")

    def start_servers(self) -> None:
        """gunicorn and the Celery worker (after the database is migrated)."""
        python = sys.executable
        web = Process(
            [
                *(python, "-m", "gunicorn", "hall.wsgi"),
                *("--bind", f"127.0.0.1:{self.web_port}"),
                *("--workers", str(self.workers), "--access-logfile", "-"),
                # Threads 0: gunicorn's sync workers, one request at a time each, no keep-alive.
                *(
                    ("--worker-class", "sync")
                    if self.threads == 0
                    else ("--worker-class", "gthread", "--threads", str(self.threads))
                ),
                # Not the shared ~/.gunicorn/gunicorn.ctl another gunicorn may be using.
                "--no-control-socket",
            ],
            env=self.env,
            log=self.dir / "gunicorn.log",
        )
        web.name = "gunicorn"
        self.processes.append(web)
        pool = (
            ["--pool=solo"]
            if self.pool == "solo"
            else ["--pool=prefork", f"--concurrency={self.concurrency}"]
        )
        worker = Process(
            [
                *(python, "-m", "celery", "-A", "hall", "worker", "--loglevel=INFO", *pool),
                *("-n", f"bench-{uuid.uuid4().hex[:6]}@%h"),
            ],
            env=self.env,
            log=self.dir / "worker.log",
        )
        worker.name = "celery worker"
        self.processes.append(worker)

        def web_ready() -> bool:
            web.alive()
            try:
                with urlopen(f"{self.base_url}/api/v1/departments/", timeout=2) as answer:
                    return answer.status == 200
            except (URLError, OSError):
                return False

        wait_until(web_ready, timeout=90, what="gunicorn")
        wait_until(
            lambda: worker.alive() and "ready." in worker.output(),
            timeout=90,
            what="the Celery worker",
        )

    def log_tails(self, lines: int = 15) -> str:
        """The last lines of each process's log other than gunicorn's access lines."""
        tails = []
        for process in self.processes:
            kept = [
                line
                for line in process.output().splitlines()
                if not (process.name == "gunicorn" and '"' in line and " HTTP/1.1" in line)
            ]
            tails.append(f"--- {process.name} ({process.log}):\n" + "\n".join(kept[-lines:]))
        return "\n".join(tails)

    def check_alive(self) -> None:
        for process in self.processes:
            process.alive()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        if self.keep_logs:
            print(f"logs kept in {self.dir} (media removed)")
            shutil.rmtree(self.media_root, ignore_errors=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
