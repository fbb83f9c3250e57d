"""The audit trail is append-only in the database: rows of ``CaseEvent`` and ``TicketEvent``
cannot be updated or deleted, whoever asks (the ORM, raw SQL, a cascade).

A row trigger refuses UPDATE and DELETE; INSERT is untouched, and TRUNCATE (how the test
suite empties tables) fires no row trigger. PostgreSQL raises ``restrict_violation`` (an
``IntegrityError`` in Django); SQLite (``make run``) aborts the statement the same way.
"""

from django.db import migrations

# (app label, model) of the append-only tables.
APPEND_ONLY = (("cases", "CaseEvent"), ("windows", "TicketEvent"))

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION onetrip_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""


def _tables(apps) -> list[str]:
    return [apps.get_model(app, model)._meta.db_table for app, model in APPEND_ONLY]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in _tables(apps):
        if vendor == "postgresql":
            schema_editor.execute(PG_FUNCTION, params=None)  # "%" is plpgsql's, not a parameter
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION onetrip_append_only()"
            )
        elif vendor == "sqlite":
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_append_only_{operation.lower()} "
                    f"BEFORE {operation} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in _tables(apps):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{operation}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS onetrip_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0001_initial"),
        ("cases", "0005_case_matter_version"),
        ("windows", "0003_ticket_events_protect_their_actors"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
