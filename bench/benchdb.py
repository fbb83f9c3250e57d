"""The bench scripts' own PostgreSQL database: refuse any other, create it when missing."""

import os
import re
import sys
import threading
from urllib.parse import urlparse


def bench_database_url(script: str = "this bench") -> str:
    """``DATABASE_URL``, if it names a PostgreSQL database of the bench's own; else exit.

    Benches empty and refill tables, so they run only on a database whose name ends in
    ``bench`` and never touch the real ``onetrip`` database.
    """
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            f"{script} needs PostgreSQL: set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_bench"
        )
    name = parsed.path.lstrip("/")
    if not is_bench_name(name):
        sys.exit(
            f"Refusing to run on database {name!r}: {script} empties and refills tables, so it "
            "runs only on a database of its own whose name ends in 'bench' (e.g. onetrip_bench)."
        )
    return url


def is_bench_name(name: str) -> bool:
    """A bench database's name: ends in ``bench``, or ``bench_<suffix>`` (one per engineer)."""
    return re.search(r"bench(_[a-z0-9]+)?$", name) is not None


def ensure_database(url: str) -> None:
    """Create the bench database on the server if it is not there yet."""
    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    connection = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    connection.close()


# The tables autovacuum would vacuum and analyze now, by its own rules and the server's
# settings: dead rows (vacuum), or rows changed since the last ANALYZE (analyze), above the
# threshold plus the scale factor times the table's rows.
_DUE = """
    SELECT format('%I.%I', s.schemaname, s.relname),
        s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float
            + current_setting('autovacuum_vacuum_scale_factor')::float * greatest(c.reltuples, 0),
        s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float
            + current_setting('autovacuum_analyze_scale_factor')::float * greatest(c.reltuples, 0)
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
"""


class AutovacuumStandIn:
    """Stands in for autovacuum while a bench runs, where the server's autovacuum is off (some
    machines' PostgreSQL ships so). Without it the planner guesses the bench's growing tables
    (no statistics) and the rows every command updates pile up dead (the case rows, the day's
    case-number counter, the API tokens each run replaces), which no deployment with
    autovacuum sees. Every ``every`` seconds it vacuums and analyzes the tables autovacuum
    would (``_DUE``), after one ``VACUUM (ANALYZE)`` of everything at the start. With
    autovacuum on it does nothing.

    (Until 2026-12-07 (10) it analyzed the whole database every time, ~0.6 s of the server's
    CPU per call on a bench database of a few thousand cases, and vacuumed nothing.)"""

    def __init__(self, url: str, every: float = 20.0) -> None:
        import psycopg2

        self._connection = psycopg2.connect(url)
        self._connection.autocommit = True
        with self._connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            self.needed = cursor.fetchone()[0] == "off"
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def analyze(self) -> None:
        """Everything, as a deployment whose autovacuum has kept up: every table vacuumed and
        its statistics taken."""
        if self.needed:
            with self._connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")

    def maintain_due(self) -> list[str]:
        """Vacuum and analyze the tables autovacuum would now; returns what it did."""
        done = []
        with self._connection.cursor() as cursor:
            cursor.execute(_DUE)
            for table, vacuum, analyze in cursor.fetchall():
                if vacuum or analyze:
                    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
                    cursor.execute(f"{command} {table}")
                    done.append(f"{command} {table}")
        return done

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.maintain_due()

    def start(self) -> "AutovacuumStandIn":
        if self.needed:
            print(
                f"autovacuum is off on this server: VACUUM and ANALYZE as autovacuum would, "
                f"every {self._every:.0f} s"
            )
            self.analyze()
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._connection.close()
