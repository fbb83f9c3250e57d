"""The audit trail is append-only in the database: case and ticket events can be added, never
changed or removed, whatever path the change takes (ORM, raw SQL, a cascade)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from cases.events import CaseAction
from cases.models import Case, CaseEvent
from cases.services._core import record_event  # noqa: TID251 - the event writer itself
from tests.cases import conftest as cases_conftest
from tests.factories import BoardFactory, UserFactory
from windows.models import Ticket, TicketEvent, Window
from windows.services import ticket_call_next, ticket_take

pytestmark = pytest.mark.django_db

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
make_case = cases_conftest.make_case


def _refused(change) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        change()


@pytest.fixture
def case_event(make_case):
    case = make_case("submitted")
    return case.events.order_by("id").first()


@pytest.fixture
def ticket_event(db):
    window = Window.objects.create(number=7, name="全科", generalist=True)
    window.clerk = UserFactory(clerk=True)
    window.save()
    ticket = ticket_take(board=BoardFactory())
    ticket_call_next(window=window, by=window.clerk)
    return ticket.events.get(action="call")


@pytest.mark.parametrize("fixture", ["case_event", "ticket_event"])
def test_events_cannot_be_updated_or_deleted(request, fixture):
    event = request.getfixturevalue(fixture)
    model = type(event)
    table = model._meta.db_table
    note = event.note

    _refused(lambda: model.objects.filter(pk=event.pk).update(note="改写"))
    event.note = "改写"
    _refused(event.save)
    _refused(event.delete)
    _refused(lambda: model.objects.filter(pk=event.pk).delete())

    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])

    _refused(lambda: raw(f"UPDATE {table} SET note = 'x' WHERE id = %s"))
    _refused(lambda: raw(f"DELETE FROM {table} WHERE id = %s"))

    event.refresh_from_db()
    assert event.note == note


def test_adding_events_still_works(case_event, ticket_event):
    case = case_event.case
    before = case.events.count()
    record_event(
        case, action=CaseAction.MATERIAL_MISSING, by=None, to_status=case.status, note="补记"
    )
    assert case.events.count() == before + 1
    TicketEvent.objects.create(
        ticket=ticket_event.ticket, action="note", from_status="called", to_status="called"
    )
    assert ticket_event.ticket.events.count() == 3


def test_deleting_a_case_or_ticket_does_not_erase_its_trail(case_event, ticket_event):
    case = case_event.case
    events = case.events.count()
    _refused(case.delete)
    assert Case.objects.filter(pk=case.pk).exists()
    assert CaseEvent.objects.filter(case=case).count() == events
    _refused(ticket_event.ticket.delete)
    assert Ticket.objects.filter(pk=ticket_event.ticket_id).exists()


def test_people_and_windows_named_in_the_trail_are_protected(ticket_event):
    with pytest.raises(ProtectedError):
        ticket_event.actor.delete()
    with pytest.raises(ProtectedError):
        ticket_event.window.delete()
    ticket_event.refresh_from_db()
    assert ticket_event.actor is not None and ticket_event.window is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_truncate_still_empties_the_tables():
    # How the test suite resets its database between transactional tests: row triggers do
    # not fire on TRUNCATE.
    window = Window.objects.create(number=8, name="全科", generalist=True)
    window.clerk = UserFactory(clerk=True)
    window.save()
    ticket_take(board=BoardFactory())
    ticket_call_next(window=window, by=window.clerk)
    assert TicketEvent.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TicketEvent._meta.db_table}")
    assert not TicketEvent.objects.exists()


def test_the_sqlite_database_of_make_run_refuses_the_same(tmp_path):
    # The migration's own SQL, run on a real SQLite file the way `make run` has it.
    import importlib
    import sqlite3
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("hall.migrations.0002_append_only_events")
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    for table in ("cases_caseevent", "windows_ticketevent"):
        database.execute(f"CREATE TABLE {table} (id integer primary key, note text)")
        database.execute(f"INSERT INTO {table} (note) VALUES ('受理')")
    editor = SimpleNamespace(
        connection=SimpleNamespace(vendor="sqlite"),
        execute=lambda sql, params=(): database.execute(sql),
    )
    migration.forwards(apps, editor)
    for table in ("cases_caseevent", "windows_ticketevent"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            database.execute(f"UPDATE {table} SET note = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            database.execute(f"DELETE FROM {table}")
        database.execute(f"INSERT INTO {table} (note) VALUES ('补正')")
        assert database.execute(f"SELECT note FROM {table} ORDER BY id").fetchall() == [
            ("受理",),
            ("补正",),
        ]
    migration.backwards(apps, editor)
    database.execute("DELETE FROM cases_caseevent")
