"""Where a bench's CPU goes: CPU seconds of each part of the stack, read from ``/proc``.

A part is a set of processes: a session the bench started (gunicorn's master and workers,
the Celery worker and its pool, redis-server: each runs in a session of its own), the
PostgreSQL backends serving the bench's database (their ``pg_stat_activity`` rows), and the
bench process itself (its client threads). ``CpuMeter`` reads them before and after a phase;
the difference is what each part spent. N cores give at most N × 1,000 ms of CPU a second:
divided by the CPU a lifecycle costs, that is the most lifecycles a second the box can carry.
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_and_session(pid: int) -> tuple[float, int] | None:
    """(utime + stime in seconds, session id) of ``pid``, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    # fields[0] is field 3 (state) of proc(5): session is field 6, utime 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[3])


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


def backend_pids(database_url: str, name: str) -> list[int]:
    """PIDs of the PostgreSQL client backends connected to the database ``name`` right now
    (autovacuum's workers, which come and go with the tables' churn, are left out)."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'",
                [name],
            )
            return [pid for (pid,) in cursor.fetchall()]
    finally:
        connection.close()


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

    PostgreSQL backends are those connected at ``stop()`` (the stack keeps its connections,
    CONN_MAX_AGE); one that connected during the phase counts from zero, one that closed
    before the end is missed (said in the README)."""

    def __init__(self, sessions: dict[str, int], database_url: str, database: str):
        self.sessions, self.database_url, self.database = sessions, database_url, database

    def _read(self) -> dict:
        backends = pids_cpu(backend_pids(self.database_url, self.database))
        return {"parts": session_cpu(self.sessions), "own": own_cpu(), "backends": backends}

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        spent = {
            name: after["parts"][name] - self.before["parts"].get(name, 0.0)
            for name in self.sessions
        }
        spent["postgresql"] = sum(
            cpu - self.before["backends"].get(pid, 0.0) for pid, cpu in after["backends"].items()
        )
        spent["bench clients"] = after["own"] - self.before["own"]
        return spent
