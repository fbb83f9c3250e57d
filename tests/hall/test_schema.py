"""``hall.schema.DropIndexes`` and the migrations that drop, with it, the indexes other
indexes already cover (issue 11): every name is one PostgreSQL had, and every dropped index's
column still begins another index of its table, or is the condition of a partial one (a
review's status: the pending queues' indexes)."""

import importlib

import pytest
from django.db import connection

from hall.schema import DropIndexes

MIGRATIONS = [
    "cases.migrations.0019_drop_indexes_composites_cover",
    "notices.migrations.0005_drop_indexes_composites_cover",
]


def dropped() -> dict[str, tuple[str, str, bool]]:
    indexes = {}
    for name in MIGRATIONS:
        [operation] = importlib.import_module(name).Migration.operations
        [drop] = operation.database_operations
        assert isinstance(drop, DropIndexes)
        indexes.update(drop.indexes)
    return indexes


def index_definitions(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def first_column(definition: str) -> str:
    return definition.split("(", 1)[1].split(")", 1)[0].split(",")[0].split()[0].strip('"')


def condition(definition: str) -> str:
    return definition.split(" WHERE ", 1)[1] if " WHERE " in definition else ""


@pytest.mark.django_db
def test_the_dropped_indexes_are_gone_and_another_index_still_covers_their_column():
    indexes = dropped()
    assert len(indexes) == 11
    for name, (table, columns, _postgresql_only) in indexes.items():
        remaining = index_definitions(table)
        assert remaining, table
        assert name not in remaining
        column = columns.split()[0].strip('"')
        covered = [
            d
            for d in remaining.values()
            if first_column(d) == column or f"({column})" in condition(d)
        ]
        assert covered, (name, column)


# Serialized like every transactional test here: its flush must not re-create the content
# types the next one restores.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_drop_indexes_drops_by_name_and_creates_them_again_backwards():
    drop = DropIndexes(
        {
            "scratch_code": ("hall_scratch", '"code"', False),
            "scratch_code_like": ("hall_scratch", '"code" varchar_pattern_ops', True),
            "scratch_never_made": ("hall_scratch", '"code"', False),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute('CREATE TABLE "hall_scratch" ("code" varchar(10))')
        cursor.execute('CREATE INDEX "scratch_code" ON "hall_scratch" ("code")')
        cursor.execute(
            'CREATE INDEX "scratch_code_like" ON "hall_scratch" ("code" varchar_pattern_ops)'
        )
    try:
        # Outside a transaction, as the migrations run it (DROP INDEX CONCURRENTLY).
        with connection.schema_editor(atomic=False) as editor:
            drop.database_forwards("hall", editor, None, None)
        assert index_definitions("hall_scratch") == {}
        with connection.schema_editor(atomic=False) as editor:
            drop.database_backwards("hall", editor, None, None)
        made = index_definitions("hall_scratch")
        assert set(made) == {"scratch_code", "scratch_code_like", "scratch_never_made"}
        assert "varchar_pattern_ops" in made["scratch_code_like"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE "hall_scratch"')
