"""Where the HTTP bench's PostgreSQL CPU comes from (bench/cpu.py): the bench database's
backends, those that stay, close or are still exiting, and no other database's."""

import subprocess
import sys
import time

import psycopg2
import pytest

from bench import cpu


def test_backends_count_what_they_spent_since_the_start():
    first = {(7, 100): 5.0}
    last = {(7, 100): 5.25, (8, 300): 1.0}  # 8 connected during the phase

    assert cpu.backends_spent(first, last) == pytest.approx(1.25)


def test_a_pid_given_to_a_newer_backend_is_another_backend():
    # Backend 7 ended at 5.5 s; a new process got its PID and spent 0.5 s.
    last = {(7, 100): 5.5, (7, 900): 0.5}

    assert cpu.backends_spent({(7, 100): 5.0}, last) == pytest.approx(1.0)


@pytest.fixture
def dsn(django_db_setup):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backends are what is measured")
    settings = connection.settings_dict

    def of(database: str) -> str:
        return psycopg2.extensions.make_dsn(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            dbname=database,
        )

    return of, settings["NAME"]


def _busy_backend(dsn: str):
    """A connection whose backend has just spent ~0.1-0.2 s of CPU, and that backend's PID."""
    connection = psycopg2.connect(dsn)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM generate_series(1, 2000000)")
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return connection, pid


def test_a_backend_that_closes_counts_and_another_databases_does_not(dsn):
    of, name = dsn
    meter = cpu.CpuMeter({}, of(name), name, interval=0.1)
    meter.start()
    mine, mine_pid = _busy_backend(of(name))
    other, other_pid = _busy_backend(of("postgres"))
    mine_cpu, _ = cpu._cpu_and_start(mine_pid)
    other_cpu, _ = cpu._cpu_and_start(other_pid)
    time.sleep(0.5)  # read by the meter's thread
    mine.close()
    other.close()
    time.sleep(0.3)

    spent = meter.stop()["postgresql"]

    assert mine_cpu > 0.05 and other_cpu > 0.05
    assert mine_cpu - 0.02 <= spent < mine_cpu + other_cpu / 2


class _Connection:
    autocommit = False

    def close(self):
        pass


@pytest.fixture
def exiting_backend():
    """A process standing in for a backend that has left pg_stat_activity and is exiting: it
    spends ~0.3 s of CPU, then waits."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.3\n"
            "while time.process_time() < end: pass\ntime.sleep(60)",
        ]
    )
    yield child
    child.kill()
    child.wait()


def test_a_backend_gone_from_the_activity_view_is_read_while_it_is_exiting(
    monkeypatch, exiting_backend
):
    monkeypatch.setattr(psycopg2, "connect", lambda url: _Connection())
    monkeypatch.setattr(cpu, "backend_pids", lambda connection, name: [])
    meter = cpu.CpuMeter({}, "unused", "unused_bench", interval=60)
    meter.start()
    # Read at the start and by the meter's thread, before it spent its CPU.
    cpu_then, started = cpu._cpu_and_start(exiting_backend.pid)
    meter.first = {(exiting_backend.pid, started): cpu_then}
    meter.last = dict(meter.first)
    time.sleep(0.6)

    spent = meter.stop()["postgresql"]

    assert spent >= 0.2
