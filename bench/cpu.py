"""Where a bench's CPU goes: CPU seconds of each part of the stack, read from ``/proc``.

A part is a set of processes: a session the bench started (gunicorn's master and workers,
the Celery worker and its pool, redis-server: each runs in a session of its own), the
PostgreSQL backends serving the bench's database (their ``pg_stat_activity`` rows, and those
that closed during the phase: see ``CpuMeter``), and the bench process itself (its client
threads). ``CpuMeter`` reads them before and after a phase;
the difference is what each part spent. N cores give at most N × 1,000 ms of CPU a second:
divided by the CPU a lifecycle costs, that is the most lifecycles a second the box can carry.
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` from field 3 (state) of proc(5) on, or None if the
    process is gone: ``[1]`` is field 4 (parent), ``[3]`` field 6 (session), ``[11]`` and
    ``[12]`` fields 14 and 15 (utime, stime), ``[13]`` and ``[14]`` fields 16 and 17 (the
    CPU of the children it has waited for)."""
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


def reaped_cpu(pid: int) -> float:
    """CPU seconds of the children ``pid`` has waited for (0 if it is gone)."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[13]) + int(fields[14])) / TICKS


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


def backend_pids(database_url: str, name: str) -> tuple[list[int], int | None]:
    """PIDs of the PostgreSQL client backends connected to the database ``name`` right now
    (autovacuum's workers, which come and go with the tables' churn, are left out), and the
    PID of the server's postmaster (None if it is not a process of this machine we can read).
    """
    import psycopg2

    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'",
                [name],
            )
            pids = [pid for (pid,) in cursor.fetchall()]
            cursor.execute("SELECT pg_backend_pid()")
            (own,) = cursor.fetchone()
    finally:
        connection.close()
    fields = _stat(own)
    return pids, (int(fields[1]) if fields is not None else None)


def pids_cpu(pids: list[int]) -> dict[int, float]:
    cpu = {}
    for pid in pids:
        found = _cpu_and_session(pid)
        if found is not None:
            cpu[pid] = found[0]
    return cpu


def own_cpu() -> float:
    """This process's CPU seconds, every thread's."""
    times = os.times()
    return times.user + times.system


class CpuMeter:
    """``start()`` before a phase, ``stop()`` after: CPU seconds spent by each part.

    PostgreSQL: the backends connected at ``stop()`` (one that connected during the phase
    counts from zero), and those that closed during it. The stack's connections do close:
    Django closes one older than CONN_MAX_AGE (60 s) after a request, about as long as a
    run. A closed backend's CPU goes to the postmaster, which waits for it (its children's
    CPU in ``/proc``): the growth of that over the phase, less what the backends that closed
    had spent before it, is theirs. Any other database's backend closing meanwhile counts
    too: run a bench alone. Until 2026-12-07 (10) the closed ones were missed: the figure
    came out 5-61 ms a lifecycle by run where it is 87-109 ms (bench/README.md, "Ninth
    pass")."""

    def __init__(self, sessions: dict[str, int], database_url: str, database: str):
        self.sessions, self.database_url, self.database = sessions, database_url, database

    def _read(self) -> dict:
        pids, postmaster = backend_pids(self.database_url, self.database)
        return {
            "parts": session_cpu(self.sessions),
            "own": own_cpu(),
            "backends": pids_cpu(pids),
            "reaped": reaped_cpu(postmaster) if postmaster is not None else 0.0,
        }

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        spent = {
            name: after["parts"][name] - self.before["parts"].get(name, 0.0)
            for name in self.sessions
        }
        before_backends = self.before["backends"]
        live = sum(cpu - before_backends.get(pid, 0.0) for pid, cpu in after["backends"].items())
        closed = sum(cpu for pid, cpu in before_backends.items() if pid not in after["backends"])
        spent["postgresql"] = live + after["reaped"] - self.before["reaped"] - closed
        spent["bench clients"] = after["own"] - self.before["own"]
        return spent
