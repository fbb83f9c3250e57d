"""Where a bench's CPU goes: CPU seconds of each part of the stack, read from ``/proc``.

A part is a set of processes: a session the bench started (gunicorn's master and workers,
the Celery worker and its pool, redis-server: each runs in a session of its own), the
PostgreSQL backends serving the bench's database (their ``pg_stat_activity`` rows, followed
through the phase: see ``CpuMeter``), and the bench process itself (its client threads).
``CpuMeter`` reads them before and after a phase; the difference is what each part spent.
N cores give at most N × 1,000 ms of CPU a second: divided by the CPU a lifecycle costs,
that is the most lifecycles a second the box can carry.
"""

import os
import threading
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` from field 3 (state) of proc(5) on, or None if the
    process is gone: ``[3]`` is field 6 (session), ``[11]`` and ``[12]`` fields 14 and 15
    (utime, stime), ``[19]`` field 22 (start time)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def _cpu_and_session(pid: int) -> tuple[float, int] | None:
    """(utime + stime in seconds, session id) of ``pid``, or None if it is gone."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[3])


def _cpu_and_start(pid: int) -> tuple[float, int] | None:
    """(utime + stime in seconds, start time in ticks since boot) of ``pid``, or None once it
    is reaped: the start time tells a process from a later one given the same PID."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[19])


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def session_cpu(session_ids: dict[str, int]) -> dict[str, float]:
    """CPU seconds of every live process in each named session."""
    wanted = {sid: name for name, sid in session_ids.items()}
    totals = dict.fromkeys(session_ids, 0.0)
    for pid in _all_pids():
        found = _cpu_and_session(pid)
        if found is not None and found[1] in wanted:
            totals[wanted[found[1]]] += found[0]
    return totals


def backend_pids(connection, name: str) -> list[int]:
    """PIDs of the PostgreSQL client backends connected to the database ``name`` right now
    (autovacuum's workers, which come and go with the tables' churn, are left out), but for
    ``connection``'s own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'",
            [name],
        )
        return [pid for (pid,) in cursor.fetchall()]


Backends = dict[tuple[int, int], float]  # (PID, start time) → CPU seconds


def backends_cpu(pids: list[int]) -> Backends:
    """The CPU of each of ``pids`` still there, keyed by PID and start time."""
    found = {}
    for pid in pids:
        read = _cpu_and_start(pid)
        if read is not None:
            found[(pid, read[1])] = read[0]
    return found


def backends_spent(first: Backends, last: Backends) -> float:
    """CPU seconds the backends spent between a phase's start (``first``: those connected
    then) and each one's last reading (``last``): from zero for one that connected since."""
    return sum(cpu - first.get(backend, 0.0) for backend, cpu in last.items())


def own_cpu() -> float:
    """This process's CPU seconds, every thread's."""
    times = os.times()
    return times.user + times.system


class CpuMeter:
    """``start()`` before a phase, ``stop()`` after: CPU seconds spent by each part.

    PostgreSQL: the stack's connections may close during a phase (Django closes one older than
    CONN_MAX_AGE after a request; Signalen as shipped opens one per request), so the bench
    database's backends are read every ``interval`` seconds by a thread of the meter: a backend that
    closes counts what it had spent at its last reading (at most ``interval`` of its life is
    missed), one still exiting at ``stop()`` what it has spent then.

    Until 2026-12-07 (10) the closed ones were missed (bench/README.md, "Ninth pass"); from
    then to (15) their CPU was taken from what the postmaster had reaped, which counts every
    database's closed backends: one run printed PostgreSQL −2,579 ms a lifecycle (a backend
    gone from ``pg_stat_activity`` but not yet reaped), another +1,228 ms (some other
    postmaster child with ~240 s of CPU ended during it).
    """

    def __init__(
        self, sessions: dict[str, int], database_url: str, database: str, interval: float = 0.5
    ):
        self.sessions, self.database_url, self.database = sessions, database_url, database
        self.interval = interval

    def _backends(self) -> Backends:
        return backends_cpu(backend_pids(self._connection, self.database))

    def _follow(self) -> None:
        while not self._done.wait(self.interval):
            self.last.update(self._backends())

    def start(self) -> None:
        import psycopg2

        self._connection = psycopg2.connect(self.database_url)
        self._connection.autocommit = True
        self.before = {"parts": session_cpu(self.sessions), "own": own_cpu()}
        self.first = self._backends()
        self.last = dict(self.first)
        self._done = threading.Event()
        self._follower = threading.Thread(target=self._follow, daemon=True)
        self._follower.start()

    def stop(self) -> dict[str, float]:
        self._done.set()
        self._follower.join()
        try:
            now = self._backends()
        finally:
            self._connection.close()
        # Gone from pg_stat_activity, still exiting: what it has spent so far.
        for pid, started in self.last.keys() - now.keys():
            read = _cpu_and_start(pid)
            if read is not None and read[1] == started:
                now[(pid, started)] = read[0]
        self.last.update(now)
        spent = {
            name: cpu - self.before["parts"].get(name, 0.0)
            for name, cpu in session_cpu(self.sessions).items()
        }
        spent["postgresql"] = backends_spent(self.first, self.last)
        spent["bench clients"] = own_cpu() - self.before["own"]
        return spent
