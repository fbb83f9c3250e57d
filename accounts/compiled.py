"""Hot reads whose SQL is compiled once per process (issue 11, "Speed at province scale").

Django compiles a query again at every evaluation. For a read every request runs with the
same shape (the API token's lookup, a command's row lock of its case, the case's answer),
compiling it took more CPU than PostgreSQL took to run it. ``rows_by`` compiles such a read
once per process and database alias for a stand-in value, and then runs that statement with
the caller's own value through a copy of the compiler: rows, converters, related objects and
prefetches are made by Django's own iterable, as for any queryset.

On PostgreSQL the statement is also prepared, once per database connection (``PREPARE``, its
constant parameters written into it, the caller's value its one parameter), and run with
``EXECUTE``: PostgreSQL then plans it once per connection instead of at every request. The
case's answer, with its JSON subqueries, took ~6 ms to plan and ~1.5 ms to run.
Connections must be the application's own for this (no PgBouncer in transaction mode).
"""

import copy
import datetime
import weakref
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

# Values no key or token has: where they sit among the compiled parameters is where the
# caller's value goes.
_STAND_INS = {int: -20261206, str: "\x00stand-in\x00", datetime.date: datetime.date(1, 2, 3)}
# (name, alias) → (compiler, SQL, parameters, the stand-in's position among them, converters)
_statements: dict[tuple[str, str], tuple] = {}
# name → the queryset its caller's builder made, built once per process (``rows_by``).
_querysets: dict[str, QuerySet] = {}
# A DB-API connection → the names prepared on it (gone with the connection).
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
# Names PostgreSQL refused to prepare: run as plain statements.
_unpreparable: set[str] = set()


def _prepared_name(connection, name: str, sql: str, params: tuple, position: int) -> str | None:
    """The name of ``sql`` prepared on ``connection``'s session (prepared now if it is not
    yet), or None if PostgreSQL refused it. Run on the DB-API cursor: a statement made once
    per connection is not one of the request's queries."""
    import psycopg2.extensions

    statement = f"onetrip_{name}"
    if statement in _unpreparable:
        return None
    connection.ensure_connection()
    raw = connection.connection
    names = _prepared.setdefault(raw, set())
    if statement in names:
        return statement
    with raw.cursor() as cursor:
        # The constants written into the SQL as psycopg2 would send them; the value: $1.
        inlined = (*params[:position], psycopg2.extensions.AsIs("$1"), *params[position + 1 :])
        text = cursor.mogrify(sql, inlined).decode()
        guarded = connection.in_atomic_block  # a failure must not abort the caller's work
        try:
            if guarded:
                cursor.execute("SAVEPOINT onetrip_prepare")
            cursor.execute(f"PREPARE {statement} AS {text}")
            if guarded:
                cursor.execute("RELEASE SAVEPOINT onetrip_prepare")
        except psycopg2.Error:
            if guarded:
                cursor.execute("ROLLBACK TO SAVEPOINT onetrip_prepare")
            _unpreparable.add(statement)
            return None
    names.add(statement)
    return statement


def rows_by(
    name: str,
    queryset: QuerySet | Callable[[], QuerySet],
    field: str,
    value,
    *,
    also: dict | None = None,
) -> list:
    """``list(queryset.filter(**{field: value}, **also))``, its statement compiled once per
    process.

    ``name`` names the read: every call with one name must pass a queryset of one shape
    (same model, joins, filters other than ``field``, locks), built the same way each time,
    and the same ``also``: constants filtered in the same call as ``field`` (over a
    multi-valued relation, one join for both). ``queryset`` may be the function that builds
    it: it is then built once per process, not at every call (building a queryset with
    joins and subqueries cost a request ~0.1-0.3 ms of CPU each time).
    On a database other than PostgreSQL the queryset is simply evaluated.
    """
    if callable(queryset):
        built = _querysets.get(name)
        if built is None:
            # Never evaluated itself (only its clones are): safe to share between threads.
            built = _querysets[name] = queryset()
        queryset = built
    also = also or {}

    def plain() -> list:
        return list(queryset.filter(**{field: value}, **also))

    alias = queryset.db
    connection = connections[alias]
    # Only exactly these types: a subclass (bool) or another type may convert differently.
    stand_in = _STAND_INS.get(type(value))
    if connection.vendor != "postgresql" or stand_in is None:
        return plain()
    if queryset.query.select_for_update and connection.get_autocommit():
        # Django raises this while compiling, and compiling is what the cached statement skips:
        # a row lock taken in autocommit would be released at once.
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    statement = _statements.get((name, alias))
    if statement is None:
        compiler = queryset.filter(**{field: stand_in}, **also).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params).count(stand_in) != 1:
            return plain()  # the value is not one plain parameter: no shortcut
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        # The converters of its columns too: finding them again took as long as the rest.
        converters = compiler.get_converters(fields)
        statement = (compiler, sql, tuple(params), list(params).index(stand_in), converters)
        _statements[(name, alias)] = statement
    template, sql, params, position, converters = statement
    prepared = _prepared_name(connection, name, sql, params, position)
    if prepared is not None:
        sql, params = f"EXECUTE {prepared}(%s)", (value,)
    else:
        params = (*params[:position], value, *params[position + 1 :])
    compiler = copy.copy(template)
    compiler.connection = connection
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    compiler.get_converters = lambda expressions: converters
    # The statement replaces the query's SQL: its filter need not be built again either.
    query = queryset._chain()
    query.query.get_compiler = lambda *args, **kwargs: compiler
    return list(query)
