"""Hot reads whose SQL is compiled once per process (issue 11, "Speed at province scale").

Django compiles a query again at every evaluation. For a read every request runs with the
same shape (the API token's lookup, a command's row lock of its case, the case's answer),
compiling it took more CPU than PostgreSQL took to run it. ``rows_by`` compiles such a read
once per process and database alias for a stand-in value, and then runs that statement with
the caller's own value through a copy of the compiler: rows, converters, related objects and
prefetches are made by Django's own iterable, as for any queryset.
"""

import copy

from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

# Values no key or token has: where they sit among the compiled parameters is where the
# caller's value goes.
_STAND_INS = {int: -20261206, str: "\x00stand-in\x00"}
# (name, alias) → (compiler, SQL, parameters, the stand-in's position among them)
_statements: dict[tuple[str, str], tuple] = {}


def rows_by(name: str, queryset: QuerySet, field: str, value) -> list:
    """``list(queryset.filter(**{field: value}))``, its statement compiled once per process.

    ``name`` names the read: every call with one name must pass a queryset of one shape
    (same model, joins, filters other than ``field``, locks), built the same way each time.
    On a database other than PostgreSQL the queryset is simply evaluated.
    """
    query = queryset.filter(**{field: value})
    alias = query.db
    connection = connections[alias]
    # Only exactly these types: a subclass (bool) or another type may convert differently.
    stand_in = _STAND_INS.get(type(value))
    if connection.vendor != "postgresql" or stand_in is None:
        return list(query)
    if query.query.select_for_update and connection.get_autocommit():
        # Django raises this while compiling, and compiling is what the cached statement skips:
        # a row lock taken in autocommit would be released at once.
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    statement = _statements.get((name, alias))
    if statement is None:
        compiler = queryset.filter(**{field: stand_in}).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params).count(stand_in) != 1:
            return list(query)  # the value is not one plain parameter: no shortcut
        statement = (compiler, sql, tuple(params), list(params).index(stand_in))
        _statements[(name, alias)] = statement
    template, sql, params, position = statement
    params = (*params[:position], value, *params[position + 1 :])
    compiler = copy.copy(template)
    compiler.connection = connection
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    query.query.get_compiler = lambda *args, **kwargs: compiler
    return list(query)
