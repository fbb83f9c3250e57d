"""Notice outbox benchmark: notices sent per second through a real Celery worker, and the
delay from commit to sent (p50, p95).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_notices_bench \
        .venv/bin/python bench/notices.py [--notices 2000] [--concurrency 1] [--rate 0]
        [--redis-port 6392] [--keep-log]

The bench creates ``--notices`` SMS notices with ``notices.services.notice_create``, each in
its own committed transaction as a case service would (the send task is published after
commit), while a real worker process (``celery -A hall worker``: ``--pool=solo`` for
``--concurrency 1``, prefork otherwise) sends them with the logging SMS backend. The commit
time of each notice is taken in this process right after its commit, the sent time is the
worker's ``sent_at``; both read the same machine's clock. ``--rate N`` paces creation at N
notices per second (0: as fast as this process can commit), to see the delay at a load the
worker keeps up with as well as with a backlog.

It needs PostgreSQL and a database of its own whose name ends in ``bench`` (created if it does
not exist and migrated); it refuses anything else so that it never touches the real
``onetrip`` database. It starts its own ``redis-server`` on ``--redis-port`` (no persistence,
stopped at the end) so that the machine's Redis and its queues are left alone. Notices of
earlier runs (keys ``bench:…``) are deleted first. See bench/README.md.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import bench_database_url, ensure_database
from timing import percentile, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

WARM_UP = 20
CONTEXT = {
    "hall": "OneTrip 政务服务中心",
    "number": "20260305-00001",
    "matter": "不动产转移登记",
    "track_url": "http://127.0.0.1:8000/track/",
}


class Redis:
    """A private ``redis-server`` for the bench, without persistence."""

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
            sys.exit(f"something already answers on port {self.port}: pick another --redis-port")
        self.process = subprocess.Popen(
            [
                "redis-server",
                *f"--port {self.port} --bind 127.0.0.1 --appendonly no --daemonize no".split(),
                *("--save", ""),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.ping, timeout=20, what="redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Worker:
    """``celery -A hall worker`` in a subprocess, logging to a file."""

    def __init__(self, *, database_url: str, redis_url: str, concurrency: int, log: Path):
        self.log = log
        pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"-c{concurrency}"]
        command = [
            sys.executable, "-m", "celery", "-A", "hall", "worker", *pool,
            "-Q", "celery", "--loglevel=INFO", "-n", f"bench-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SMS_BACKEND": "notices.backends.LoggingSmsBackend",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
            "PYTHONUNBUFFERED": "1",
        }
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        def ready():
            if self.process.poll() is not None:
                sys.exit(f"the worker exited:\n{self.output()[-3000:]}")
            return "ready." in self.output()

        wait_until(ready, timeout=60, what="the worker to be ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def create(keys: list[str], rate: float) -> dict[int, float]:
    """Create one SMS notice per key, each in its own transaction; their commit times."""
    from django.db import transaction

    from notices.models import Channel
    from notices.services import notice_create

    committed: dict[int, float] = {}
    started = time.monotonic()
    for n, key in enumerate(keys):
        if rate:
            pause = started + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        with transaction.atomic():
            stamp: list[float] = []
            # Registered first, so it runs right at commit, before the send is published.
            transaction.on_commit(lambda stamp=stamp: stamp.append(time.time()))
            notice = notice_create(
                key=key,
                channel=Channel.SMS,
                template="case_submitted",
                context={**CONTEXT, "number": f"20260305-{n % 100000:05d}"},
                address=f"139{n % 10**8:08d}",
            )
        committed[notice.pk] = stamp[0]
    return committed


def wait_sent(ids, *, timeout: float) -> None:
    from notices.models import Notice

    total = len(ids)

    def done():
        return Notice.objects.filter(pk__in=ids, status="sent").count() == total

    wait_until(done, timeout=timeout, what=f"{total} notices to be sent", interval=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=2000, help="notices to create and send")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes (1: solo)")
    parser.add_argument("--rate", type=float, default=0, help="notices created per second (0: max)")
    parser.add_argument("--redis-port", type=int, default=6392, help="port of the bench's Redis")
    parser.add_argument("--keep-log", action="store_true", help="keep the worker's log file")
    args = parser.parse_args()

    url = bench_database_url("notices.py")
    ensure_database(url)
    redis = Redis(args.redis_port)
    redis.start()
    log_dir = Path(tempfile.mkdtemp(prefix="onetrip-notices-bench-"))
    worker = None
    try:
        os.environ["REDIS_URL"] = redis.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
        import django

        warnings.filterwarnings("ignore", message="No directory at")
        django.setup()
        import logging

        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from notices.models import Notice

        assert connection.vendor == "postgresql"
        assert connection.settings_dict["NAME"].endswith("bench")
        assert not settings.CELERY_TASK_ALWAYS_EAGER
        settings.DEBUG = False
        logging.disable(logging.WARNING)  # the broker is up: no "left for the sweeper" noise
        call_command("migrate", verbosity=0)
        deleted, _ = Notice.objects.filter(key__startswith="bench:").delete()
        if deleted:
            print(f"deleted {deleted:,} rows of earlier runs")

        worker = Worker(
            database_url=url,
            redis_url=redis.url,
            concurrency=args.concurrency,
            log=log_dir / "worker.log",
        )
        worker.wait_ready()
        run = uuid.uuid4().hex[:8]
        warm = create([f"bench:{run}:warm:{n}" for n in range(WARM_UP)], 0)
        wait_sent(list(warm), timeout=60)

        n = args.notices
        pool = "solo" if args.concurrency == 1 else f"prefork ×{args.concurrency}"
        pace = f"{args.rate:g}/s" if args.rate else "as fast as possible"
        print(f"\n{n:,} SMS notices, worker {pool}, logging backend, created {pace}")
        committed = create([f"bench:{run}:{i}" for i in range(n)], args.rate)
        ids = list(committed)
        wait_sent(ids, timeout=max(120, n / 5))
        rows = Notice.objects.filter(pk__in=ids).values_list("pk", "created_at", "sent_at")
        sent = {pk: sent_at.timestamp() for pk, _created, sent_at in rows}
        created = {pk: created_at.timestamp() for pk, created_at, _sent in rows}

        first_commit, last_commit = min(committed.values()), max(committed.values())
        first_sent, last_sent = min(sent.values()), max(sent.values())
        delays = [(sent[pk] - committed[pk]) * 1000 for pk in ids]
        from_created = [(sent[pk] - created[pk]) * 1000 for pk in ids]
        print(f"  created:  {n / (last_commit - first_commit):,.0f} notices/s committed")
        print(
            f"  sent:     {n / (last_sent - first_commit):,.0f} notices/s end to end "
            f"(first commit to last sent, {last_sent - first_commit:.1f} s)"
        )
        print(f"            {n / (last_sent - first_sent):,.0f} notices/s first to last sent")
        print(
            f"  commit → sent:  p50 {percentile(delays, 50):,.0f} ms   "
            f"p95 {percentile(delays, 95):,.0f} ms   max {max(delays):,.0f} ms"
        )
        print(
            f"  created_at → sent_at:  p50 {percentile(from_created, 50):,.0f} ms   "
            f"p95 {percentile(from_created, 95):,.0f} ms"
        )
        attempts = Notice.objects.filter(pk__in=ids).values_list("attempts", flat=True)
        assert set(attempts) == {1}, "a notice was tried more than once"
        print("  every notice sent once (attempts = 1)")
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()
        if args.keep_log:
            print(f"  worker log: {log_dir / 'worker.log'}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
