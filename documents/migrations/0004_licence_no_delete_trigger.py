"""Issued licences are never deleted, also by SQL: a PostgreSQL trigger refuses DELETE.

The model and its queryset refuse already; this holds for raw SQL and other clients too.
Revocation (an UPDATE) stays possible. Other databases (the embedded SQLite) rely on the model.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION documents_licence_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'e-licence % cannot be deleted; revoke it instead', OLD.number
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_licence_no_delete BEFORE DELETE ON documents_licence
    FOR EACH ROW EXECUTE FUNCTION documents_licence_refuse_delete();
"""
DROP = """
DROP TRIGGER IF EXISTS documents_licence_no_delete ON documents_licence;
DROP FUNCTION IF EXISTS documents_licence_refuse_delete();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_decision_titled_by_matter_kind"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
