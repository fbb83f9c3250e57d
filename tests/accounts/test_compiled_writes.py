"""Inserts and updates written once per process (``accounts.compiled.insert_rows`` and
``update_row``) store what ``bulk_create`` and ``save(update_fields=…)`` store, in one
statement, and leave to Django what they do not write themselves."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Model, QuerySet, Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import compiled
from accounts.compiled import insert_rows, update_row
from cases.models import Case, CaseEvent, CaseStatus, Review
from documents.models import Document, DocumentKind
from notices.models import Channel, Notice, NoticeStatus
from tests.factories import DepartmentFactory, UserFactory

# Columns a database or a clock fills differently for two equal rows.
_OWN = {"id", "key", "recipient_key", "at", "created_at"}


def _stored(model, pk) -> dict:
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in _OWN}


def _instance(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if not k.startswith("_") and k not in _OWN}


_NOW = timezone.now()


def _notices(recipient, tag: str, now=_NOW) -> list[Notice]:
    return [
        Notice(
            key=f"{tag}-{n}",
            channel=channel,
            recipient=recipient,
            recipient_key=f"user:{recipient.pk}:{tag}:{n}",
            address="13800000000" if channel == Channel.SMS else "",
            template="case_accepted",
            subject="已受理",
            text="您的申请已受理。“引号”与换行\n都照存。",
            status=NoticeStatus.SENT if channel == Channel.INBOX else NoticeStatus.PENDING,
            sent_at=now if channel == Channel.INBOX else None,
            next_attempt_at=None if channel == Channel.INBOX else now,
        )
        for n, channel in enumerate([Channel.INBOX, Channel.SMS, Channel.INBOX])
    ]


@pytest.fixture
def submitted_case(two_department_case):
    return two_department_case("submitted")


@pytest.fixture
def django_writes(monkeypatch):
    """The models each write that went through Django's ``bulk_create`` or ``save``: a write
    of ``insert_rows`` or ``update_row`` itself does not appear."""
    seen = []
    for owner, name in ((QuerySet, "bulk_create"), (Model, "save_base")):
        original = getattr(owner, name)

        def spy(self, *args, _original=original, **kwargs):
            seen.append(getattr(self, "model", type(self)))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, spy)
    return seen


@pytest.mark.django_db
def test_inserted_notices_are_stored_as_bulk_create_stores_them(citizen, django_writes):
    plain = Notice.objects.bulk_create(_notices(citizen, "plain"))
    with CaptureQueriesContext(connection) as queries:
        fast = insert_rows(iter(_notices(citizen, "fast")))
    assert django_writes == [Notice]  # the plain ones only
    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "notices_notice"')
    assert [n.pk for n in fast] == sorted(n.pk for n in fast)  # each its own row, in order
    assert [Notice.objects.get(pk=n.pk).key for n in fast] == ["fast-0", "fast-1", "fast-2"]
    for ours, theirs in zip(fast, plain, strict=True):
        assert _stored(Notice, ours.pk) == _stored(Notice, theirs.pk)
        assert _instance(ours) == _instance(theirs)
        assert ours.created_at is not None  # auto_now_add, as bulk_create sets it
        assert not ours._state.adding and ours._state.db == "default"


@pytest.mark.django_db
def test_an_event_and_reviews_are_stored_as_bulk_create_stores_them(submitted_case, django_writes):
    case = submitted_case
    departments = [DepartmentFactory(), DepartmentFactory()]
    clerk = UserFactory(clerk=True)
    payload = {"deferred": [1, 2], "due": "2026-12-31", "名称": "居民身份证"}

    def event():
        return CaseEvent(
            case=case, action="accept", actor=clerk, actor_role="clerk", payload=payload
        )

    django_writes.clear()  # the factories' saves
    [plain] = CaseEvent.objects.bulk_create([event()])
    [fast] = insert_rows([event()])
    assert _stored(CaseEvent, fast.pk) == _stored(CaseEvent, plain.pk)
    assert CaseEvent.objects.get(pk=fast.pk).payload == payload
    assert _instance(fast) == _instance(plain)

    reviews = insert_rows(Review(case=case, department=d) for d in departments)
    stored = Review.objects.filter(case=case).order_by("pk")
    assert [r.pk for r in reviews] == [r.pk for r in stored]
    assert [r.department_id for r in stored] == [d.pk for d in departments]
    assert insert_rows([]) == []
    assert django_writes == [CaseEvent]  # the plain event only


@pytest.mark.django_db
def test_what_insert_rows_does_not_write_itself_is_left_to_bulk_create(citizen, django_writes):
    # An expression among the values.
    [shouted] = _notices(citizen, "expression")[:1]
    shouted.subject = Upper(Value("accepted"))
    insert_rows([shouted])
    assert Notice.objects.get(key="expression-0").subject == "ACCEPTED"
    # A row that brings its own key.
    [keyed] = _notices(citizen, "keyed")[:1]
    keyed.pk = 987_654
    insert_rows([keyed])
    assert Notice.objects.get(pk=987_654).key == "keyed-0"
    assert django_writes == [Notice, Notice]


@pytest.mark.django_db
def test_a_case_save_writes_its_changed_columns_in_one_statement(submitted_case, django_writes):
    case = submitted_case
    stored = Case.objects.get(pk=case.pk)
    # Written by another command after this instance was read: the save leaves it as it is.
    Case.objects.filter(pk=case.pk).update(address="写于之后")
    before = stored.updated_at
    stored.status = CaseStatus.IN_REVIEW
    stored.accepted_on = datetime.date(2026, 12, 7)
    with CaptureQueriesContext(connection) as queries:
        stored.save()
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert sql.startswith('UPDATE "cases_case" SET ') and '"address"' not in sql
    again = Case.objects.get(pk=case.pk)
    assert again.status == CaseStatus.IN_REVIEW
    assert again.accepted_on == datetime.date(2026, 12, 7)
    assert again.address == "写于之后"
    assert again.updated_at > before and again.updated_at == stored.updated_at  # auto_now
    # Saved again: the columns as now read are the base.
    stored.decision_note = "准予许可"
    with CaptureQueriesContext(connection) as queries:
        stored.save()
    assert len(queries) == 1 and '"accepted_on"' not in queries[0]["sql"]
    assert Case.objects.get(pk=case.pk).decision_note == "准予许可"
    assert django_writes == []  # both written by update_row
    # Asked for more than the save (another database named): Django's save, same columns.
    stored.decision_note = "不予许可"
    stored.save(using="default")
    assert django_writes == [Case]
    assert Case.objects.get(pk=case.pk).address == "写于之后"


@pytest.mark.django_db
def test_a_receiver_of_the_save_signal_gets_the_save(submitted_case):
    case = submitted_case
    saved = []

    def receiver(sender, instance, **kwargs):
        saved.append((instance.pk, kwargs["update_fields"]))

    post_save.connect(receiver, sender=Case, weak=False)
    try:
        stored = Case.objects.get(pk=case.pk)
        stored.status = CaseStatus.IN_REVIEW
        stored.save()
        assert not update_row(stored, ["status"])
    finally:
        post_save.disconnect(receiver, sender=Case)
    assert [pk for pk, _fields in saved] == [case.pk]
    assert "status" in saved[0][1]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_REVIEW


@pytest.mark.django_db
def test_an_update_of_a_row_that_is_gone_raises_as_save_does(citizen):
    [notice] = insert_rows(_notices(citizen, "gone")[:1])
    Notice.objects.filter(pk=notice.pk).delete()
    notice.subject = "改"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update_row(notice, ["subject"])


@pytest.mark.django_db
@pytest.mark.parametrize("later", [False, True], ids=["at-once", "with-the-next-statement"])
def test_an_upsert_replaces_the_named_fields_of_the_stored_row(
    submitted_case, django_writes, later
):
    def paper(title: str) -> Document:
        return Document(
            case=submitted_case, kind=DocumentKind.RECEIPT, title=title, context={"t": title}
        )

    fresh = ["title", "context"]
    [first] = insert_rows(
        [paper("受理通知书")], unique_fields=["case", "kind"], update_fields=fresh
    )
    Document.objects.filter(pk=first.pk).update(sha256="a" * 64, size=1234)  # rendered since
    with CaptureQueriesContext(connection) as queries:
        [again] = insert_rows(
            [paper("受理通知书（补正后）")],
            unique_fields=["case", "kind"],
            update_fields=fresh,
            later=later,
        )
    assert len(queries) == 1 and "ON CONFLICT" in queries[0]["sql"]
    assert ("RETURNING" in queries[0]["sql"]) is not later
    assert again.pk == (None if later else first.pk)  # held: nobody wanted its key
    stored = Document.objects.get(case=submitted_case, kind=DocumentKind.RECEIPT)
    assert (stored.title, stored.context) == ("受理通知书（补正后）", {"t": "受理通知书（补正后）"})
    assert (stored.sha256, stored.size) == ("a" * 64, 1234)  # the rendered file's own: kept
    assert django_writes == []  # both written by insert_rows


@pytest.mark.django_db
def test_rows_written_later_are_stored_as_those_written_at_once(citizen, django_writes):
    now = _notices(citizen, "now")
    with transaction.atomic():
        insert_rows(now)
        later = insert_rows(_notices(citizen, "later"), later=True)
        assert [n.pk for n in later] == [None, None, None]  # nobody wanted their keys
        stored = {n.key: n for n in Notice.objects.filter(key__startswith="later-")}
    assert sorted(stored) == ["later-0", "later-1", "later-2"]
    for at_once in now:
        ours = stored[at_once.key.replace("now", "later")]
        assert _stored(Notice, ours.pk) == _stored(Notice, at_once.pk)
    assert django_writes == []


@pytest.mark.django_db
def test_a_save_refuses_an_unsaved_related_object_as_django_does(submitted_case):
    from halls.models import Hall

    stored = Case.objects.get(pk=submitted_case.pk)
    stored.pickup_hall = Hall(code="unsaved", name="未保存网点")
    with pytest.raises(ValueError, match="unsaved related object"):
        stored.save()
    assert Case.objects.get(pk=submitted_case.pk).pickup_hall_id == submitted_case.pickup_hall_id


@pytest.mark.django_db
def test_many_rows_are_written_without_keeping_their_statement(citizen, django_writes):
    many = [n for tag in range(20) for n in _notices(citizen, f"many-{tag}")]  # 60 rows
    kept = set(compiled._inserts)
    insert_rows(many)
    assert Notice.objects.filter(key__startswith="many-").count() == 60
    assert all(n.pk is not None for n in many) and django_writes == []
    assert set(compiled._inserts) == kept  # a statement for that many rows is not kept
    insert_rows(_notices(citizen, "few"))
    assert (Notice, "default", 3, (), (), False) in compiled._inserts


@pytest.mark.django_db
def test_values_written_as_they_are_are_what_their_fields_would_write():
    """Of every model's fields, those whose values ``insert_rows`` and ``update_row`` take
    without preparing them (``_as_is``: text, numbers, flags, keys) give back that very value
    when Django prepares it; a value of another type is prepared by the field."""
    from django.apps import apps

    samples = {str: ["", "已受理", NoticeStatus.SENT], int: [0, 7, 2**40], bool: [True, False]}
    taken = skipped = 0
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        for field, kind in zip(fields, compiled._as_is(fields, connection), strict=True):
            if kind is None:
                skipped += 1
                continue
            taken += 1
            for value in [None, *samples[kind]]:
                assert field.get_db_prep_save(value, connection) is value, (field, value)
    assert taken > 300 and skipped > 100  # most fields, not all

    def kind_of(model, name):
        return compiled._as_is([model._meta.get_field(name)], connection)[0]

    from payments.models import Payment

    assert kind_of(Notice, "subject") is str and kind_of(Notice, "recipient") is int
    assert kind_of(Payment, "case") is int  # a one-to-one key as its target
    assert kind_of(Review, "status") is None  # django-fsm's field: its own class
    # Set or converted on the way in: left to the field.
    for model, name in ((Notice, "created_at"), (Notice, "sent_at"), (CaseEvent, "payload")):
        assert kind_of(model, name) is None
    # A flag in a number column is written as the number.
    notice = _notices(UserFactory(), "flag")[1]
    notice.attempts = True
    insert_rows([notice])
    assert Notice.objects.filter(pk=notice.pk).values_list("attempts", flat=True).get() == 1
