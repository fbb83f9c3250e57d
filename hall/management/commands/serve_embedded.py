"""``manage.py serve_embedded``: the portal and its schedule in one command (``make run``).

Starts the development server and Celery beat side by side and keeps them running: a program
that exits on its own is started again (after a pause that grows while it keeps failing);
Ctrl-C or SIGTERM stops them all. Without ``REDIS_URL`` Celery runs tasks eagerly, so beat
runs each scheduled task itself, on the hall's schedule (``hall/schedule.py``): the deadline
scan, deemed acceptance, reminders, the outbox sweep, courier tracking. With ``REDIS_URL``
(a ``.env`` copied from ``.env.example``) beat sends them to a Celery worker, started here
too with the pool docker-compose runs.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

# A program that ran this long before exiting is restarted at once; one that keeps failing
# sooner waits longer each time, up to the maximum.
HEALTHY_SECONDS = 30
MAX_RESTART_DELAY = 30.0
STOP_TIMEOUT = 10.0
# As docker-compose.yml runs the worker (tests/integration/test_deployment.py checks both).
WORKER_POOL = ("--pool=prefork", "--concurrency=2")


@dataclass
class Program:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float = field(default=0.0)

    def start(self, out) -> None:
        # Its own process group: a stop reaches the program's children too (runserver's
        # autoreloader, beat's).
        self.process = subprocess.Popen(self.command, start_new_session=True)
        self.started_at = time.monotonic()
        out.write(f"{self.name}: started (pid {self.process.pid})")

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)


class Command(BaseCommand):
    help = "Serve the portal and run its schedule (Celery beat) beside it, restarting them."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--schedule-file",
            default=str(Path(settings.BASE_DIR) / ".make" / "celerybeat-schedule"),
            help="Where beat keeps the time each task last ran.",
        )
        parser.add_argument(
            "--no-web", action="store_true", help="Run the schedule only (no web server)."
        )
        parser.add_argument(
            "--noreload", action="store_true", help="Run the web server without autoreload."
        )

    def handle(self, *args, addrport, schedule_file, no_web, noreload, **options):
        Path(schedule_file).parent.mkdir(parents=True, exist_ok=True)
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        programs = [
            Program(
                "scheduler",
                [
                    *(sys.executable, "-m", "celery", "-A", "hall", "beat"),
                    "--loglevel=INFO",
                    f"--schedule={schedule_file}",
                ],
            )
        ]
        if settings.REDIS_URL:
            worker = [*(sys.executable, "-m", "celery", "-A", "hall", "worker"), "--loglevel=INFO"]
            programs.append(Program("worker", [*worker, *WORKER_POOL]))
        if not no_web:
            web = [*manage, "runserver", addrport, *(["--noreload"] if noreload else [])]
            programs.append(Program("web", web))
        self.supervise(programs)

    def supervise(self, programs: list[Program]) -> None:
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for program in programs:
                program.start(self.stdout)
            while not stopping:
                for program in programs:
                    self.keep_running(program)
                time.sleep(0.2)
        finally:
            self.stdout.write("stopping…")
            for program in programs:
                program.signal(signal.SIGINT)
            deadline = time.monotonic() + STOP_TIMEOUT
            for program in programs:
                if program.process is None:
                    continue
                try:
                    program.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    program.signal(signal.SIGKILL)
                    program.process.wait()
                program.signal(signal.SIGKILL)  # what is left of its group
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def keep_running(self, program: Program) -> None:
        """Restart ``program`` if it exited: at once after a good run, later while failing."""
        code = program.process.poll()
        if code is None:
            return
        now = time.monotonic()
        if not program.restart_at:
            ran = now - program.started_at
            program.failures = 0 if ran >= HEALTHY_SECONDS else program.failures + 1
            delay = min(MAX_RESTART_DELAY, 2.0**program.failures - 1)
            program.restart_at = now + delay
            self.stderr.write(
                f"{program.name}: exited with {code} after {ran:.0f} s; restarting in {delay:.0f} s"
            )
        if now >= program.restart_at:
            program.signal(signal.SIGKILL)  # children it may have left behind
            program.restart_at = 0.0
            program.start(self.stdout)
