"""Hot reads and writes whose SQL is compiled once per process (issue 11, "Speed at province
scale").

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

Every command writes too: its event, notices and paper, a case's reviews (``insert_rows``)
and the case's changed columns (``update_row``). Their INSERT and UPDATE are written once
per process for each model and shape, and only each row's values are prepared per call, by
the fields themselves as Django prepares them.
"""

import copy
import datetime
import weakref
from collections.abc import Callable, Iterable, Sequence

from django.db import DatabaseError, connections, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Field, Model, QuerySet, fields, signals
from django.db.models.fields.related import ForeignKey, OneToOneField
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql import UpdateQuery
from django.db.transaction import TransactionManagementError

from .carried import write_later

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
    # psycopg2's own cursor: the writes the connection holds (``accounts.carried``) stay
    # held for the caller's statement, which PREPARE does not read.
    with psycopg2.extensions.cursor(raw) as cursor:
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
        if queryset._iterable_class is ModelIterable:
            compiler.onetrip_layout = _row_layout(compiler, alias)
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
    laid_out = hasattr(compiler, "onetrip_layout") and not query._known_related_objects
    if laid_out and query._iterable_class is ModelIterable:
        query._iterable_class = _LaidOutRows
    return list(query)


def _row_layout(compiler, alias: str) -> tuple:
    """What Django's ``ModelIterable`` works out of a statement's columns at every run: which
    column fills which field of the model and of each related one. Worked out once, an
    acceptance's reads took 0.34 ms less CPU (``bench/accept_paired.py``)."""
    klass_info, select = compiler.klass_info, compiler.select
    columns = klass_info["select_fields"]
    start, end = columns[0], columns[-1] + 1
    return (
        klass_info["model"],
        start,
        end,
        [column[0].target.attname for column in select[start:end]],
        # Populators only read their layout when they fill a row: one serves every thread.
        get_related_populators(klass_info, select, alias),
        tuple(compiler.annotation_col_map.items()),
    )


class _LaidOutRows(ModelIterable):
    """``ModelIterable`` for a compiled statement, with the statement's row layout
    (``_row_layout``) worked out once; a queryset with known related objects (a related
    manager's) is left to ``ModelIterable`` itself."""

    def __iter__(self):
        queryset = self.queryset
        db = queryset.db
        compiler = queryset.query.get_compiler(using=db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        model, start, end, init_list, populators, annotations = compiler.onetrip_layout
        for row in compiler.results_iter(results):
            obj = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            yield obj


# (model, alias, rows, unique fields, update fields, later) → its INSERT (``insert_rows``)
_inserts: dict[tuple, str] = {}
# Statements of more rows are written for each call, not kept: the number of rows follows the
# data (a department's approvers, a matter's materials), and each size would be kept apart.
_KEPT_ROWS = 32
# model → the fields its INSERT writes, or None (``_insertable``)
_insert_fields: dict[type, tuple | None] = {}
# (model, alias) → ``_as_is`` of the fields its INSERT writes
_insert_kinds: dict[tuple[type, str], tuple] = {}


def _insertable(model: type[Model]) -> tuple | None:
    """The fields an INSERT of ``model`` writes (every concrete field but its key), or None
    where ``bulk_create`` does more than write them: a parent model's table, a key that is not
    the database's to number, a database default or a generated column."""
    if model in _insert_fields:
        return _insert_fields[model]
    opts = model._meta
    fields = tuple(field for field in opts.concrete_fields if field is not opts.pk)
    if (
        opts.parents
        or not getattr(opts.pk, "db_returning", False)
        or any(field.generated or field.has_db_default() for field in fields)
    ):
        fields = None
    _insert_fields[model] = fields
    return fields


# Field classes whose ``get_db_prep_save`` gives back a value of this type (or None) as it
# is: the type itself for integers and booleans (an IntegerField turns True into 1), any str
# for text (a TextChoices member included).
_AS_IS = {
    fields.CharField: str,
    fields.TextField: str,
    fields.BooleanField: bool,
    **dict.fromkeys(
        [
            fields.IntegerField,
            fields.BigIntegerField,
            fields.SmallIntegerField,
            fields.PositiveIntegerField,
            fields.PositiveSmallIntegerField,
            fields.PositiveBigIntegerField,
            fields.AutoField,
            fields.BigAutoField,
            fields.SmallAutoField,
        ],
        int,
    ),
}


def _as_is(fields: Sequence[Field], connection) -> tuple[type | None, ...]:
    """For each of ``fields``, the type whose values it writes as they are, with no
    preparing, or None: only for a field whose ``pre_save`` reads the attribute (no
    ``auto_now``), of a class in ``_AS_IS``; a foreign key as its target field."""
    plain_integers = (
        type(connection.ops).adapt_integerfield_value
        is BaseDatabaseOperations.adapt_integerfield_value  # psycopg 3 wraps them by size
    )
    kinds = []
    for field in fields:
        target = field.target_field if type(field) in (ForeignKey, OneToOneField) else field
        kind = _AS_IS.get(type(target)) if type(field).pre_save is Field.pre_save else None
        kinds.append(None if kind is int and not plain_integers else kind)
    return tuple(kinds)


def _write_values(
    obj: Model, fields: Sequence, kinds: Sequence, connection, *, add: bool
) -> list | None:
    """The values ``obj`` gives ``fields`` in a write, each prepared by its field as Django's
    compiler prepares it (``pre_save``: ``auto_now`` and ``auto_now_add`` set the field), or
    None if one is an expression (Django's to write). A text, number or flag that its field
    would give back unchanged (``kinds``: ``_as_is(fields)``) is taken as it is."""
    values = []
    for field, kind in zip(fields, kinds, strict=True):
        if kind is not None:
            value = getattr(obj, field.attname)
            if value is None or type(value) is kind or (kind is str and isinstance(value, str)):
                values.append(value)
                continue
        value = field.pre_save(obj, add=add)
        if hasattr(value, "resolve_expression"):
            return None
        values.append(field.get_db_prep_save(value, connection=connection))
    return values


def insert_rows(
    objs: Iterable[Model],
    *,
    unique_fields: Sequence[str] = (),
    update_fields: Sequence[str] = (),
    later: bool = False,
) -> list[Model]:
    """``bulk_create(objs)`` for new rows of one model, their INSERT written once per process
    for that model and number of rows: each row's key is set from ``RETURNING``, as
    ``bulk_create`` sets it (up to ``_KEPT_ROWS`` rows; more are written for the call). With
    ``unique_fields``, an upsert as ``bulk_create(objs,
    update_conflicts=True, unique_fields=…, update_fields=…)``: a row that conflicts on them
    has ``update_fields`` replaced and its key is the stored row's.

    Writing the statement took Django more CPU than PostgreSQL took to run it (an acceptance's
    four notices: 0.76 ms of CPU through ``bulk_create``, 0.31 ms so). The values are
    prepared by each field (``_write_values``); an expression among them, a model this cannot
    write (``_insertable``) or another database than PostgreSQL is left to ``bulk_create``.
    No signal is sent, as with ``bulk_create``.

    ``later``: nobody reads the rows' keys (they are left unset) and the INSERT cannot fail
    for the data's sake (an upsert under the lock of the row its key names): it is sent with
    the connection's next statement (``accounts.carried.write_later``).
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]

    def plain() -> list[Model]:
        if not unique_fields:
            return model.objects.bulk_create(objs)
        return model.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
        )

    fields = _insertable(model) if connection.vendor == "postgresql" else None
    if (
        fields is None
        or (unique_fields and not update_fields)  # Django's to refuse
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        return plain()
    kinds = _insert_kinds.get((model, alias))
    if kinds is None:
        kinds = _insert_kinds[(model, alias)] = _as_is(fields, connection)
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values = _write_values(obj, fields, kinds, connection, add=True)
        if values is None:
            return plain()
        params += values
    key = (model, alias, len(objs), tuple(unique_fields), tuple(update_fields), later)
    statement = _inserts.get(key)
    if statement is None:
        opts = model._meta
        quote = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        conflict = ""
        if unique_fields:
            unique = [quote(opts.get_field(name).column) for name in unique_fields]
            columns = [quote(opts.get_field(name).column) for name in update_fields]
            conflict = (
                f" ON CONFLICT ({', '.join(unique)})"
                f" DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in columns)}"
            )
        sql = (
            f"INSERT INTO {quote(opts.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([row] * len(objs))}{conflict}"
        )
        if not later:
            sql += f" RETURNING {quote(opts.pk.column)}"
        statement = sql
        if len(objs) <= _KEPT_ROWS:
            _inserts[key] = sql
    if later:
        write_later(statement, params, using=alias)
        for obj in objs:
            obj._state.db = alias
        return objs
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    return objs


# (model, alias, field names) → its UPDATE statement and those fields (``update_row``)
_updates: dict[tuple[type, str, tuple[str, ...]], tuple[str, tuple, tuple]] = {}


def update_row(obj: Model, names: Sequence[str], *, later: bool = False) -> bool:
    """``obj.save(update_fields=names)`` for a stored row, its UPDATE written once per process
    for that model and those fields; ``False``, nothing written, where the caller must save
    as usual: another database than PostgreSQL, or a receiver of the model's save signals
    (which this does not send).

    ``later``: the row is locked by the caller's transaction, so the UPDATE cannot miss it;
    it is sent with the connection's next statement (``accounts.carried.write_later``).

    Writing the statement took Django most of a save's CPU (a case's six changed columns:
    0.50 ms through ``save``, 0.21 ms so). The values are prepared by each field
    (``_write_values``); an expression among them is left to ``save``.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    if (
        connection.vendor != "postgresql"
        or obj.pk is None
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        return False
    if not names:
        return True  # as ``save(update_fields=[])``: nothing to write
    key = (model, alias, tuple(names))
    statement = _updates.get(key)
    if statement is None:
        opts = model._meta
        fields = tuple(opts.get_field(name) for name in names)
        quote = connection.ops.quote_name
        sql = (
            f"UPDATE {quote(opts.db_table)} SET "
            f"{', '.join(f'{quote(field.column)} = %s' for field in fields)} "
            f"WHERE {quote(opts.pk.column)} = %s"
        )
        statement = _updates[key] = (sql, fields, _as_is(fields, connection))
    sql, fields, kinds = statement
    obj._prepare_related_fields_for_save(operation_name="save")  # as ``save`` checks them
    params = _write_values(obj, fields, kinds, connection, add=False)
    if params is None:
        return False
    params.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    if later:
        write_later(sql, params, using=alias)
        obj._state.adding = False
        obj._state.db = alias
        return True
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = alias
    return True


def update_later(queryset: QuerySet, **values) -> None:
    """``queryset.update(**values)``, sent with the connection's next statement
    (``accounts.carried.write_later``): for an update by key that cannot fail for its data
    (a locked case's materials, a counter's ``F()`` step). The number of rows is not known."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    if query.related_updates or not sql:
        queryset.update(**values)  # more than one statement: Django's to run
        return
    write_later(sql, params, using=queryset.db)
