"""Trigram indexes for catalog search (substring search on name, code, pinyin initials).

PostgreSQL only: the embedded SQLite default has no pg_trgm and searches a small catalog
fast enough without it. Measured with bench/catalog_search.py on 5,000 matters.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS matter_name_trgm ON matters_matter "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS matter_code_trgm ON matters_matter "
    "USING gin (UPPER(code::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS matter_initials_trgm ON matters_matter "
    "USING gin (pinyin_initials gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS matter_name_trgm",
    "DROP INDEX IF EXISTS matter_code_trgm",
    "DROP INDEX IF EXISTS matter_initials_trgm",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("matters", "0002_calendar_from_package")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
