"""Writes sent with the next statement (issue 11, "Speed at province scale").

A command's UPDATE of the case it holds locked returns nothing anyone reads: waiting for
PostgreSQL's answer to it was a round trip of its own (~0.1 ms on an idle machine, more when
the two cores are busy). ``write_later`` keeps such a write on the connection and the next
statement the connection sends carries it, in one message (``UPDATE …; INSERT … RETURNING``):
PostgreSQL runs both in order and answers with the last one's result.

The order of the transaction's statements is unchanged, so is what each of them sees: a
carried write runs just before the statement that carries it, inside the same transaction.
What changes is where an error in it is raised: at the carrier (a read, an INSERT, or the
commit, which sends the writes nobody carried before it commits). So only writes that cannot
fail for the data's sake are sent later: by key, of rows the transaction holds locked, a
counter's ``F()`` step, an upsert.
A rollback, or a rollback to a savepoint, drops the writes still held: they would have been
undone with it (any earlier statement, the savepoint's own included, carried those before).

psycopg2 only (``Connection`` and ``Cursor`` are given in the settings' ``OPTIONS``);
elsewhere, or outside a transaction, ``write_later`` writes at once.
"""

import psycopg2.extensions
import psycopg2.sql
from django.db import connections

_ROLLBACK_TO = ("ROLLBACK TO", b"ROLLBACK TO")


class Cursor(psycopg2.extensions.cursor):
    """psycopg2's cursor, whose next statement carries the connection's held writes."""

    def execute(self, query, vars=None):
        held = self.connection.held
        if not held:
            return super().execute(query, vars)
        if self.name is not None:
            # A named cursor wraps its query in DECLARE: the writes go first, on their own.
            self.connection.send_held()
            return super().execute(query, vars)
        if isinstance(query, psycopg2.sql.Composable):
            query = query.as_string(self)
        if query.lstrip()[:11].upper() in _ROLLBACK_TO:
            held.clear()  # undone by it anyway: all were written since the savepoint
            return super().execute(query, vars)
        writes = b"; ".join(held) + b"; "
        held.clear()
        if vars is not None:
            writes = writes.replace(b"%", b"%%")  # written out already: not placeholders
        if isinstance(query, str):
            query = query.encode()
        return super().execute(writes + query, vars)

    def executemany(self, query, vars_list):
        self.connection.send_held()
        return super().executemany(query, vars_list)

    def callproc(self, procname, parameters=None):
        self.connection.send_held()
        return super().callproc(procname, parameters)


class Connection(psycopg2.extensions.connection):
    """psycopg2's connection, holding the writes its next statement carries (``Cursor``);
    a commit sends those nobody carried."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held: list[bytes] = []

    def cursor(self, *args, **kwargs):
        cursor = super().cursor(*args, **kwargs)
        if not isinstance(cursor, Cursor):
            self.send_held()  # a cursor of another kind carries nothing: they go first
        return cursor

    def send_held(self) -> None:
        if self.held:
            writes = b"; ".join(self.held)
            self.held.clear()
            with psycopg2.extensions.cursor(self) as cursor:
                cursor.execute(writes)

    def commit(self) -> None:
        self.send_held()
        super().commit()

    def rollback(self) -> None:
        self.held.clear()
        super().rollback()

    def close(self) -> None:
        self.held.clear()
        super().close()


def write_later(sql: str, params, *, using: str = "default") -> None:
    """Run the write ``sql`` with ``params`` as the first part of the connection's next
    statement (or at the commit), or now where it cannot be held: outside a transaction,
    or on a connection that is not ``Connection``. For a write by key that cannot fail for its
    data (a row the transaction holds locked, a counter's ``F()`` step, an upsert). Logged as
    Django logs a statement it runs."""
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    if not isinstance(raw, Connection) or connection.get_autocommit():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with psycopg2.extensions.cursor(raw) as cursor:
        written = cursor.mogrify(sql, params)
    raw.held.append(written)
    if connection.queries_logged:
        connection.queries_log.append({"sql": written.decode(), "time": "0.000"})
