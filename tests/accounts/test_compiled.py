"""Reads compiled once per process (``accounts.compiled.rows_by``) give what the plain
queryset gives, refuse a row lock outside a transaction as Django does, and fall back to the
plain queryset for what they cannot run."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from accounts import compiled
from accounts.authentication import token_queryset
from accounts.compiled import rows_by
from cases.models import Case
from cases.selectors import case_answer, case_answer_queryset
from cases.services._core import lock_case, locked_case_queryset  # noqa: TID251 (its internals)
from tests.cases.conftest import drive_case
from tests.factories import (
    HallFactory,
    UserFactory,
)


def _snapshot(obj) -> dict:
    """A model instance as its rows made it: fields, annotations, related objects and
    prefetched lists, all the way down."""
    found = {k: v for k, v in obj.__dict__.items() if not k.startswith("_")}
    state = obj.__dict__.get("_state")
    if state is not None:
        found["related"] = {
            name: _snapshot(related) if related is not None else None
            for name, related in state.fields_cache.items()
        }
    prefetched = obj.__dict__.get("_prefetched_objects_cache", {})
    found["prefetched"] = {name: [_snapshot(o) for o in qs] for name, qs in prefetched.items()}
    return found


def _same(rows, plain) -> None:
    assert [_snapshot(r) for r in rows] == [_snapshot(r) for r in plain]


@pytest.fixture
def in_review_case(two_department_case):
    return two_department_case("in_review")


@pytest.mark.django_db
def test_api_token_read_as_the_plain_queryset(clerk):
    clerk.hall = HallFactory()
    clerk.save(update_fields=["hall"])
    token, _key = AuthToken.objects.create(user=clerk)
    for _ in range(2):  # compiled, then from the compiled statement
        rows = rows_by("api_token", token_queryset(), "token_key", token.token_key)
        _same(rows, token_queryset().filter(token_key=token.token_key))
    assert rows[0].user.hall == clerk.hall
    assert rows[0].role_names == ["clerk"]
    assert rows_by("api_token", token_queryset(), "token_key", "nothing") == []


@pytest.mark.django_db
def test_case_answer_and_lock_read_as_the_plain_queryset(in_review_case):
    pk = in_review_case.pk
    for _ in range(2):
        rows = rows_by("case_answer", case_answer_queryset(), "pk", pk)
        _same(rows, case_answer_queryset().filter(pk=pk))
        with transaction.atomic():
            locked = lock_case(pk)
            _same([locked], locked_case_queryset().filter(pk=pk))
    assert len(rows[0].review_rows) == 2
    assert locked.matter == in_review_case.matter and locked.owner == in_review_case.owner
    assert case_answer(pk).pk == pk


@pytest.mark.django_db
def test_a_related_managers_rows_hold_the_object_they_were_read_from(in_review_case):
    """Rows read through a related manager (``case.materials``) hold that very case, as
    Django's own iterable gives it them, also once the statement is compiled."""
    case = Case.objects.get(pk=in_review_case.pk)
    for _ in range(2):  # compiled, then from the compiled statement
        rows = rows_by("test-related-manager", case.materials.all(), "pk__gt", 0)
        _same(rows, case.materials.filter(pk__gt=0))
        assert rows and all(material.case is case for material in rows)


@pytest.mark.django_db
def test_a_builder_is_called_once_per_process_and_reads_as_its_queryset(in_review_case):
    built = []

    def build():
        built.append(1)
        return case_answer_queryset()

    pk = in_review_case.pk
    for _ in range(3):
        rows = rows_by("test-only-built", build, "pk", pk)
        _same(rows, case_answer_queryset().filter(pk=pk))
    assert rows_by("test-only-built", build, "pk", -1) == []
    assert built == [1]


class _Key(int):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Decimal, bool, _Key])
def test_a_value_of_another_type_is_read_plainly(in_review_case, kind):
    pk = in_review_case.pk
    value = True if kind is bool else kind(pk)
    rows = rows_by("case_answer", case_answer_queryset(), "pk", value)
    _same(rows, case_answer_queryset().filter(pk=value))
    # The compiled statement is still the one for plain keys.
    assert [r.pk for r in rows_by("case_answer", case_answer_queryset(), "pk", pk)] == [pk]


@pytest.mark.django_db
def test_another_database_reads_plainly(in_review_case, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    pk = in_review_case.pk
    rows = rows_by("test-only-plain", case_answer_queryset(), "pk", pk)
    assert [r.pk for r in rows] == [pk]
    assert ("test-only-plain", "default") not in compiled._statements


# serialized_rollback: the flush after each test would lose the migrations' data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_lock_outside_a_transaction_is_refused_once_compiled():
    with transaction.atomic(), pytest.raises(Case.DoesNotExist):
        lock_case(-5)
    # Compiled now: still refused, as Django refuses it (the lock would end at once).
    with pytest.raises(TransactionManagementError):
        lock_case(-5)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_threads_each_read_their_own_rows():
    keys = {}
    for _ in range(8):
        user = UserFactory(citizen=True)
        token, _key = AuthToken.objects.create(user=user)
        keys[token.token_key] = user.pk
    errors = []

    def lookups(key: str, user_pk: int) -> None:
        try:
            for _ in range(200):
                rows = rows_by("api_token", token_queryset(), "token_key", key)
                if [r.user_id for r in rows] != [user_pk]:
                    errors.append((key, [r.user_id for r in rows]))
        finally:
            connection.close()

    threads = [threading.Thread(target=lookups, args=item) for item in keys.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _prepared_on_this_connection() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'onetrip_%%'")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_the_answer_is_prepared_once_and_then_executed(in_review_case):
    pk = in_review_case.pk
    rows_by("case_answer", case_answer_queryset(), "pk", pk)
    assert "onetrip_case_answer" in _prepared_on_this_connection()

    with CaptureQueriesContext(connection) as captured:
        rows = rows_by("case_answer", case_answer_queryset(), "pk", pk)

    assert [q["sql"] for q in captured.captured_queries] == [f"EXECUTE onetrip_case_answer({pk})"]
    _same(rows, case_answer_queryset().filter(pk=pk))


def _plans_of(name: str) -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL has run for the statement on this connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [name],
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_answer_is_planned_once_per_connection_not_at_each_of_its_first_runs(
    in_review_case,
):
    # PostgreSQL's default planned it afresh at each of its first five runs on a connection
    # (~3.5 ms each): every new connection's first commands paid it. A new connection, since
    # after five runs the default keeps a generic plan too.
    pk = in_review_case.pk
    connection.close()

    for _ in range(3):
        rows = rows_by("case_answer", case_answer_queryset(), "pk", pk)

    assert _plans_of("onetrip_case_answer") == (3, 0)
    _same(rows, case_answer_queryset().filter(pk=pk))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_connection_prepares_again(clerk):
    token, _key = AuthToken.objects.create(user=clerk)
    rows_by("api_token", token_queryset(), "token_key", token.token_key)
    connection.close()  # CONN_MAX_AGE ended, or the server restarted

    rows = rows_by("api_token", token_queryset(), "token_key", token.token_key)

    assert [r.user_id for r in rows] == [clerk.pk]
    assert "onetrip_api_token" in _prepared_on_this_connection()


@pytest.mark.django_db
def test_a_statement_postgresql_refuses_to_prepare_runs_plainly(in_review_case):
    pk = in_review_case.pk
    with connection.cursor() as cursor:  # the name taken: PREPARE fails
        cursor.execute("PREPARE onetrip_test_refused AS SELECT 1")
    try:
        with transaction.atomic():
            rows = rows_by("test_refused", case_answer_queryset(), "pk", pk)
            # The failed PREPARE did not abort the caller's transaction.
            assert Case.objects.filter(pk=pk).exists()
        _same(rows, case_answer_queryset().filter(pk=pk))
        assert "onetrip_test_refused" in compiled._unpreparable
    finally:
        compiled._unpreparable.discard("onetrip_test_refused")
        compiled._statements.pop(("test_refused", "default"), None)
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE onetrip_test_refused")


@pytest.mark.django_db
def test_the_hot_reads_of_an_acceptance_read_as_the_plain_queryset(in_review_case, citizen):
    """The acceptance's own reads (materials, reviewing departments' approvers with a review
    pending, the calendar from a day on) give what the plain querysets give; ``also`` filters
    in the same join as the value (a pending review of this very case)."""
    from accounts.models import Department
    from cases.models import Review
    from cases.selectors import materials_of
    from hall.reactions import approvers_reviewing
    from matters.calendar import calendar_overrides, calendar_overrides_from
    from matters.models import CalendarDay

    case = in_review_case
    housing, tax = Department.objects.get(code="housing"), Department.objects.get(code="tax")
    approver = UserFactory(approver=True, department=housing)
    UserFactory(approver=True, department=tax)
    clerk = UserFactory(clerk=True)
    clerk.authorised_departments.add(housing)
    # Another case with both reviews pending; on this one tax has decided.
    drive_case("in_review", owner=citizen, clerk=clerk, matter=case.matter)
    Review.objects.filter(case=case, department=tax).update(status="approved")
    for _ in range(2):  # compiled, then from the compiled statement
        assert approvers_reviewing(case) == [approver]
        _same(materials_of(case), case.materials.select_related("material_type"))
        assert all(material.case is case for material in materials_of(case))
    day = case.accepted_on
    CalendarDay.objects.create(date=day.replace(year=day.year + 1), kind="holiday", name="元旦")
    until = day.replace(year=day.year + 2)
    for _ in range(2):
        assert calendar_overrides_from(day) == calendar_overrides(day, until)
    assert calendar_overrides_from(until) == {}
