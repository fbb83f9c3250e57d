"""Writes sent with the next statement (``accounts.carried``): the transaction's statements
run in the order they were written, a commit sends the writes nobody carried, a rollback
(to a savepoint too) drops them, and an error in one undoes the transaction at its carrier.
Run on PostgreSQL: elsewhere a write is made at once."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.carried import Connection, write_later
from accounts.models import User
from cases import services
from cases.models import Case, CaseMaterial
from documents.models import Document, DocumentKind
from documents.services.papers import snapshot_hash
from tests.cases.conftest import pdf
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="held writes are psycopg2's (PostgreSQL)"
)

RENAME = 'UPDATE "accounts_user" SET "name" = %s WHERE "id" = %s'


def _name_elsewhere(pk: int) -> str:
    """The user's name as another connection (another thread) reads it: committed only."""
    seen = {}

    def read():
        try:
            seen["name"] = User.objects.get(pk=pk).name
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen["name"]


def _held() -> list:
    return connection.connection.held


@pytest.mark.django_db
def test_the_connection_holds_writes_for_its_next_statement(citizen):
    assert isinstance(connection.connection, Connection)
    with transaction.atomic():
        write_later(RENAME, ["张三%s 100%", citizen.pk])
        assert len(_held()) == 1
        with CaptureQueriesContext(connection) as captured:
            # A read with parameters of its own: the write's "%" are not placeholders.
            name = User.objects.filter(pk=citizen.pk, is_active=True).values_list("name")
            assert list(name) == [("张三%s 100%",)]
        assert _held() == []
    [carrier] = captured.captured_queries
    assert carrier["sql"].startswith('UPDATE "accounts_user" SET "name" = \'张三%s 100%\'')
    assert carrier["sql"].count("SELECT") == 1


@pytest.mark.django_db
def test_writes_in_order_each_sees_the_one_before(citizen):
    with transaction.atomic():
        write_later(RENAME, ["一", citizen.pk])
        write_later(
            'UPDATE "accounts_user" SET "name" = "name" || %s WHERE "id" = %s', ["二", citizen.pk]
        )
        # A server-side cursor (``iterator``) wraps its query: the writes go first, alone.
        assert [u.name for u in User.objects.filter(pk=citizen.pk).iterator(chunk_size=10)] == [
            "一二"
        ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_commit_sends_what_no_statement_carried(citizen):
    with transaction.atomic():
        write_later(RENAME, ["提交后", citizen.pk])
        assert _name_elsewhere(citizen.pk) != "提交后"
    assert _name_elsewhere(citizen.pk) == "提交后"
    assert _held() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_write_is_made_at_once(citizen):
    write_later(RENAME, ["立即", citizen.pk])
    assert _name_elsewhere(citizen.pk) == "立即"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rollback_drops_the_held_writes(citizen):
    before = citizen.name
    with pytest.raises(RuntimeError), transaction.atomic():
        write_later(RENAME, ["撤销", citizen.pk])
        raise RuntimeError
    assert _held() == []
    assert _name_elsewhere(citizen.pk) == before
    User.objects.filter(pk=citizen.pk).exists()  # a later statement carries nothing
    assert User.objects.get(pk=citizen.pk).name == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rollback_to_a_savepoint_drops_only_what_was_written_since(citizen):
    with transaction.atomic():
        write_later(RENAME, ["外层", citizen.pk])
        with pytest.raises(RuntimeError), transaction.atomic():  # its SAVEPOINT carries it
            write_later(
                'UPDATE "accounts_user" SET "name" = "name" || %s WHERE "id" = %s',
                ["内层", citizen.pk],
            )
            raise RuntimeError
        assert User.objects.get(pk=citizen.pk).name == "外层"
    assert _name_elsewhere(citizen.pk) == "外层"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_write_fails_its_carrier_and_undoes_the_transaction(citizen):
    before = citizen.name
    other = User.objects.exclude(pk=citizen.pk).first() or User.objects.create(
        username="another", name="另一人"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        write_later(RENAME, ["先改名", citizen.pk])
        # A duplicate username: refused by the unique index when its carrier runs.
        write_later(
            'UPDATE "accounts_user" SET "username" = %s WHERE "id" = %s',
            [other.username, citizen.pk],
        )
        User.objects.filter(pk=citizen.pk).exists()
    assert _held() == []
    assert _name_elsewhere(citizen.pk) == before


@pytest.mark.django_db
def test_an_acceptance_sends_its_case_and_materials_updates_with_its_next_statements(
    two_department_case, clerk
):
    case = two_department_case("submitted")
    untaken = set(
        CaseMaterial.objects.filter(
            case=case, status="received", taken_in_at__isnull=True
        ).values_list("pk", flat=True)
    )
    assert untaken
    with CaptureQueriesContext(connection) as captured:
        services.case_accept(case=case, by=clerk)
    sent = [query["sql"] for query in captured.captured_queries]
    case_update = next(sql for sql in sent if sql.startswith('UPDATE "cases_case"'))
    # Logged when held, and again as the first part of the INSERT that carried it.
    carriers = [sql for sql in sent if sql.startswith(case_update + "; ")]
    assert len(carriers) == 1
    assert 'INSERT INTO "cases_caseevent"' in carriers[0]
    materials_update = next(sql for sql in sent if sql.startswith('UPDATE "cases_casematerial"'))
    assert any(sql.startswith(materials_update + "; ") for sql in sent)
    # The receipt's row, which nobody reads in the transaction, goes with the notices' INSERT.
    receipt = next(sql for sql in sent if sql.startswith('INSERT INTO "documents_document"'))
    [carrier] = [sql for sql in sent if sql.startswith(receipt + "; ")]
    assert 'INSERT INTO "notices_notice"' in carrier
    paper = Document.objects.get(case=case, kind=DocumentKind.RECEIPT)
    assert paper.snapshot_sha256 == snapshot_hash(paper.context)
    # And what they wrote is what the case and its materials now hold.
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == "in_review"
    assert stored.deadline is not None
    taken = CaseMaterial.objects.filter(pk__in=untaken, taken_in_at__isnull=False)
    assert taken.count() == len(untaken)


@pytest.mark.django_db
def test_a_decision_is_sent_with_its_event(two_department_case):
    case = two_department_case("in_review")
    review = case.reviews.select_related("department").first()
    approver = UserFactory(approver=True, department=review.department)
    with CaptureQueriesContext(connection) as captured:
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    sent = [query["sql"] for query in captured.captured_queries]
    update = next(sql for sql in sent if sql.startswith('UPDATE "cases_review"'))
    [carrier] = [sql for sql in sent if sql.startswith(update + "; ")]
    assert 'INSERT INTO "cases_caseevent"' in carrier
    review.refresh_from_db()
    assert (review.status, review.opinion, review.decided_by) == ("approved", "同意。", approver)
    assert review.decided_at is not None


@pytest.mark.django_db
def test_an_uploads_counter_goes_with_the_materials_update(two_department_case, citizen):
    case = two_department_case("draft")
    material = case.materials.filter(required=True).first()
    before = Case.objects.get(pk=case.pk).materials_in
    with CaptureQueriesContext(connection) as captured:
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    sent = [query["sql"] for query in captured.captured_queries]
    counter = next(sql for sql in sent if sql.startswith('UPDATE "cases_case" SET "materials_in"'))
    [carrier] = [sql for sql in sent if sql.startswith(counter + "; ")]
    assert 'UPDATE "cases_casematerial"' in carrier
    assert Case.objects.get(pk=case.pk).materials_in == before + 1
