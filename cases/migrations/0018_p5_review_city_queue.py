from django.db import migrations, models


class AddIndexWithoutBlocking(migrations.AddIndex):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, so that reviews can still be written while
    the index is built over a live table; a plain index elsewhere (SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("cases", "0017_merge_issue14"),
    ]

    operations = [
        AddIndexWithoutBlocking(
            model_name="review",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["case_deadline", "case_accepted_on", "case"],
                name="review_city_pending_queue",
            ),
        ),
        AddIndexWithoutBlocking(
            model_name="review",
            index=models.Index(
                fields=["case_deadline", "case_accepted_on", "case"], name="review_city_queue"
            ),
        ),
    ]
