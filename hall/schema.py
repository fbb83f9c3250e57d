"""Schema operations the apps' migrations share."""

from django.db import migrations


class DropIndexes(migrations.operations.base.Operation):
    """Drop indexes by name: ``DROP INDEX CONCURRENTLY`` on PostgreSQL, so that the table is
    still written while it runs (the migration must be ``atomic = False``), a plain ``DROP``
    elsewhere (SQLite); a name the database does not have is skipped. Backwards, each is
    created again from its ``(table, columns, postgresql_only)``.

    For the indexes of fields a migration changes with ``db_index=False`` (or no index of
    their own): Django's ``AlterField`` would drop and re-add a foreign key's constraint,
    which checks every row of the table again under a lock.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, indexes: dict[str, tuple[str, str, bool]]) -> None:
        self.indexes = indexes

    def deconstruct(self):
        return self.__class__.__qualname__, [self.indexes], {}

    def state_forwards(self, app_label, state):
        pass

    @staticmethod
    def _concurrently(schema_editor) -> str:
        return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        how = self._concurrently(schema_editor)
        for name in self.indexes:
            schema_editor.execute(f'DROP INDEX{how} IF EXISTS "{name}"')

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        how = self._concurrently(schema_editor)
        postgresql = schema_editor.connection.vendor == "postgresql"
        for name, (table, columns, postgresql_only) in self.indexes.items():
            if postgresql_only and not postgresql:
                continue
            schema_editor.execute(
                f'CREATE INDEX{how} IF NOT EXISTS "{name}" ON "{table}" ({columns})'
            )

    def describe(self):
        return f"Drop the indexes {', '.join(self.indexes)}"
