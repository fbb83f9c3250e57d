"""The bench scripts' own PostgreSQL database: refuse any other, create it when missing."""

import os
import re
import sys
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
