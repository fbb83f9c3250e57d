"""The embedded mode (``make run``: no Redis) runs the schedule too, and one command runs all.

``make run`` serves with ``manage.py serve_embedded``: the web server and Celery beat side by
side, beat running each scheduled task itself (no ``REDIS_URL``: tasks run eagerly). The test
starts that command as ``make run`` does, on the test database, with every entry of the
hall's schedule due every two seconds instead of at its hour, and sees the scans' effects:
a notice the outbox held is sent, a shipment whose order was lost gets its waybill, an online
case nobody answered is deemed accepted. The command keeps its programs running and Ctrl-C
stops them all.
"""

import contextlib
import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from delivery.models import Shipment
from hall.schedule import BEAT_SCHEDULE
from notices.models import Channel, Notice, NoticeStatus
from notices.services import notice_create
from tests.cases import conftest as cases_conftest
from tests.delivery.conftest import ship_courier_case

from .conftest import RedisServer, broker_of_this_process, subprocess_environment, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
make_case = cases_conftest.make_case

# Every task of the real schedule, due every two seconds.
FAST_SCHEDULE = {
    name: {"task": entry["task"], "schedule": 2.0} for name, entry in BEAT_SCHEDULE.items()
}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def nobody_working():
    """What this process publishes goes nowhere: only the embedded scheduler does the work."""
    with broker_of_this_process(None):
        yield


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Embedded:
    """``manage.py serve_embedded`` as ``make run`` starts it, with its output in a file."""

    def __init__(self, tmp_path, overrides: dict, redis_url: str = ""):
        self.port = free_port()
        self.log = tmp_path / "embedded.log"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "manage.py", "serve_embedded"),
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                    f"--schedule-file={tmp_path / 'beat-schedule'}",
                ],
                cwd=django_settings.BASE_DIR,
                # No Redis: the embedded mode; with one, as a .env from .env.example gives.
                env=subprocess_environment(overrides, redis_url=redis_url),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # as a terminal's job: Ctrl-C is ours to send
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self, name: str) -> list[int]:
        return [int(pid) for pid in re.findall(rf"{name}: started \(pid (\d+)\)", self.output())]

    def web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for name in ("scheduler", "web", "worker"):
            for pid in self.pids(name):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


@pytest.fixture
def embedded(tmp_path):
    started = []

    def start(overrides: dict | None = None, redis_url: str = "") -> Embedded:
        mode = Embedded(tmp_path, overrides or {}, redis_url)
        started.append(mode)
        return mode

    yield start
    for mode in started:
        mode.stop()
        print(f"--- serve_embedded output ---\n{mode.output()[-4000:]}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_make_run_runs_the_scheduled_work_without_redis(
    nobody_working, embedded, citizen, clerk, matter, make_case
):
    # An SMS the outbox holds (its task went nowhere), a shipment whose order was lost,
    # and an online case submitted a month ago that nobody answered.
    with transaction.atomic():
        notice = notice_create(
            key="embedded-test",
            channel=Channel.SMS,
            template="case_submitted",
            context={"number": "X", "matter": "Y", "hall": "Z"},
            address="13800000009",
        )
    shipment = Shipment.objects.get(
        case=ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)
    )
    forgotten = make_case("submitted")
    Case.objects.filter(pk=forgotten.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=30)
    )
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PENDING
    assert Shipment.objects.get(pk=shipment.pk).waybill is None

    mode = embedded({"CELERY_BEAT_SCHEDULE": FAST_SCHEDULE, "COURIER_REORDER_AFTER_SECONDS": 0})

    wait_until(
        lambda: Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT,
        timeout=60,
        what="the outbox sweep to send the notice",
    )
    wait_until(
        lambda: Shipment.objects.get(pk=shipment.pk).waybill,
        timeout=60,
        what="courier tracking to re-order the shipment",
    )
    wait_until(
        lambda: Case.objects.get(pk=forgotten.pk).status != "submitted",
        timeout=60,
        what="deemed acceptance",
    )
    assert Case.objects.get(pk=forgotten.pk).accepted_on is not None
    # The web server is up beside the scheduler, from the same command.
    wait_until(mode.web_answers, timeout=60, what="the web server")
    # Every task of the schedule has run: beat sends them in turn, and a run is logged when it
    # ends (a slower one, such as the supervision summary's, may still be under way here).
    for entry in FAST_SCHEDULE.values():
        wait_until(
            lambda task=entry["task"]: f"Task {task}[" in mode.output(),
            timeout=60,
            what=f"{entry['task']} to run",
        )
    assert "Traceback" not in mode.output()


def test_make_run_restarts_a_scheduler_that_died_and_ctrl_c_stops_everything(embedded):
    mode = embedded()
    wait_until(lambda: mode.pids("scheduler") and mode.pids("web"), what="both programs")
    wait_until(mode.web_answers, timeout=60, what="the web server")
    first = mode.pids("scheduler")[0]
    wait_until(lambda: "beat: Starting" in mode.output(), what="beat to start")

    os.killpg(first, signal.SIGKILL)  # the scheduler dies
    wait_until(lambda: len(mode.pids("scheduler")) == 2, timeout=30, what="a new scheduler")
    second = mode.pids("scheduler")[1]
    assert second != first and alive(second)
    assert "scheduler: exited with -9" in mode.output()

    os.killpg(mode.process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    mode.process.wait(timeout=30)
    assert not alive(second)
    assert not any(alive(pid) for pid in mode.pids("web"))
    assert not mode.web_answers()


def test_make_run_with_redis_starts_a_worker_too(nobody_working, embedded):
    redis = RedisServer(6394)
    redis.start()
    try:
        with transaction.atomic():
            notice = notice_create(
                key="embedded-redis-test",
                channel=Channel.SMS,
                template="case_submitted",
                context={"number": "X", "matter": "Y", "hall": "Z"},
                address="13800000009",
            )
        mode = embedded(
            {"CELERY_BEAT_SCHEDULE": {"sweep": FAST_SCHEDULE["notices-sweep-outbox"]}},
            redis_url=redis.url,
        )
        wait_until(
            lambda: Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT,
            timeout=90,
            what="the worker to send the notice the scheduler's sweep found",
        )
        worker = mode.pids("worker")
        assert len(worker) == 1
        assert re.search(r"ForkPoolWorker-\d+\] Task notices.tasks.sweep_outbox", mode.output())
        os.killpg(mode.process.pid, signal.SIGINT)
        mode.process.wait(timeout=30)
        assert not alive(worker[0])
    finally:
        redis.stop()
