"""SQLite rebuilds ``cases_case`` to add a column with a foreign key (a new table, a copy, a
rename), which fails while triggers on ``cases_review`` name ``cases_case`` (0008). Migrations
that alter ``cases_case`` drop them first and put them back after (PostgreSQL alters in place
and keeps its own). Not a migration: the loader skips modules starting with an underscore."""

from django.db import migrations

SQLITE_SQL = [
    "CREATE TRIGGER cases_review_case_dates_insert AFTER INSERT ON cases_review BEGIN "
    "UPDATE cases_review SET case_deadline = (SELECT deadline FROM cases_case WHERE id = NEW.case_id), "
    "case_accepted_on = (SELECT accepted_on FROM cases_case WHERE id = NEW.case_id) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER cases_review_case_dates_update AFTER UPDATE ON cases_review BEGIN "
    "UPDATE cases_review SET case_deadline = (SELECT deadline FROM cases_case WHERE id = NEW.case_id), "
    "case_accepted_on = (SELECT accepted_on FROM cases_case WHERE id = NEW.case_id) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER cases_case_dates_to_reviews AFTER UPDATE OF deadline, accepted_on ON cases_case "
    "BEGIN UPDATE cases_review SET case_deadline = NEW.deadline, case_accepted_on = NEW.accepted_on "
    "WHERE case_id = NEW.id; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_review_case_dates_insert",
    "DROP TRIGGER IF EXISTS cases_review_case_dates_update",
    "DROP TRIGGER IF EXISTS cases_case_dates_to_reviews",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def dropped() -> migrations.RunPython:
    return migrations.RunPython(_run(SQLITE_DROP), _run(SQLITE_SQL))


def restored() -> migrations.RunPython:
    return migrations.RunPython(_run(SQLITE_SQL), _run(SQLITE_DROP))
