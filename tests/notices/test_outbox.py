"""The outbox: a notice exists if and only if its change commits, once per (event, channel,
recipient); in-portal messages are read through ``GET /api/v1/notices/``."""

import datetime
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent
from notices.models import Notice, NoticeStatus
from notices.services import notice_create
from notices.tasks import send_notice
from tests.factories import UserFactory

from .conftest import notices_of

pytestmark = pytest.mark.django_db

CONTEXT = {
    "hall": "西湖区政务服务中心",
    "number": "20260305-00001",
    "matter": "不动产转移登记",
    "track_url": "https://zwfw.example.gov.cn/track/",
}


def test_a_transition_that_rolls_back_leaves_no_notice(make_case, clerk, monkeypatch):
    case = make_case("submitted")
    before = Notice.objects.count()

    def trip_fails(**kwargs):
        raise RuntimeError("visit could not be recorded")

    # The accept writes its event and reactions, then fails after them: all of it goes.
    monkeypatch.setattr("cases.services.intake.visit_record", trip_fails)
    with pytest.raises(RuntimeError):
        services.case_accept(case=case, by=clerk, in_person=True)
    assert Notice.objects.count() == before
    assert not notices_of("case_accepted") and not notices_of("review_assigned")
    assert not CaseEvent.objects.filter(case=case, action="accept").exists()
    assert Case.objects.get(pk=case.pk).status == "submitted"


def test_an_outer_rollback_takes_the_notices_with_it(make_case, clerk):
    case = make_case("submitted")
    before = Notice.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_accept(case=case, by=clerk)
        assert notices_of("case_accepted")  # there inside the transaction…
        raise RuntimeError("the request failed later")
    assert Notice.objects.count() == before  # …and gone with it


def test_sending_is_scheduled_after_commit_for_sms_not_for_inbox(
    make_case, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(send_notice, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        make_case("submitted")
    sms = Notice.objects.get(template="case_submitted", channel="sms")
    inbox = Notice.objects.get(template="case_submitted", channel="inbox")
    assert enqueued == [sms.pk]
    assert sms.status == NoticeStatus.PENDING and sms.next_attempt_at is not None
    assert inbox.status == NoticeStatus.SENT and inbox.sent_at is not None


def test_the_same_notice_created_twice_exists_once_and_is_sent_once(
    citizen, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(send_notice, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        first = notice_create(
            key="case-event:1",
            channel="sms",
            template="case_submitted",
            context=CONTEXT,
            recipient=citizen,
        )
        second = notice_create(
            key="case-event:1",
            channel="sms",
            template="case_submitted",
            context=CONTEXT,
            recipient=citizen,
        )
        inbox = notice_create(
            key="case-event:1",
            channel="inbox",
            template="case_submitted",
            context=CONTEXT,
            recipient=citizen,
        )
    assert first.pk == second.pk != inbox.pk
    assert Notice.objects.filter(key="case-event:1").count() == 2
    assert enqueued == [first.pk]


def test_the_database_refuses_a_second_row_for_the_same_key(citizen):
    fields = {
        "key": "case-event:7",
        "channel": "sms",
        "recipient_key": f"user:{citizen.pk}",
        "template": "case_submitted",
        "text": "…",
    }
    Notice.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(**fields)


def test_nowhere_to_send_means_no_notice(db):
    nobody = UserFactory(phone="", email="")
    assert (
        notice_create(
            key="k", channel="sms", template="case_submitted", context=CONTEXT, recipient=nobody
        )
        is None
    )
    assert (
        notice_create(
            key="k", channel="email", template="case_submitted", context=CONTEXT, recipient=nobody
        )
        is None
    )
    assert (
        notice_create(key="k", channel="inbox", template="case_submitted", context=CONTEXT) is None
    )
    assert not Notice.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_transactions_creating_the_same_notice_at_once_make_one(monkeypatch):
    """Two requests telling of the same event at the same moment: one row, one send."""
    monkeypatch.setattr(send_notice, "delay", lambda pk: None)
    user = UserFactory(citizen=True)
    barrier = threading.Barrier(2)
    made, errors = [], []

    def create():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                notice = notice_create(
                    key="case-event:42",
                    channel="sms",
                    template="case_submitted",
                    context=CONTEXT,
                    recipient=user,
                )
                made.append(notice.pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    close_old_connections()
    assert not errors
    assert len(made) == 2 and made[0] == made[1]
    assert Notice.objects.filter(key="case-event:42").count() == 1


# GET /api/v1/notices/ -------------------------------------------------------------------------


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_inbox_api_lists_own_messages_newest_first(make_case, citizen, clerk):
    case = make_case("submitted")
    services.case_accept(case=case, by=clerk)
    # Same second or not, the newest comes first.
    Notice.objects.filter(template="case_submitted").update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    answer = _client(citizen).get("/api/v1/notices/")
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [item["event"] for item in results] == ["case_accepted", "case_submitted"]
    first = results[0]
    assert {"event", "channel", "text", "created"} <= set(first)
    assert first["channel"] == "inbox"
    assert case.number in first["text"] and "受理" in first["text"]
    created = datetime.datetime.fromisoformat(first["created"])
    assert created.tzinfo is not None
    # SMS copies are not messages in the portal.
    assert all(item["channel"] == "inbox" for item in results)


def test_inbox_api_shows_nobody_elses_messages(make_case, citizen, housing_approver):
    make_case("in_review")
    other = UserFactory(citizen=True)
    assert _client(other).get("/api/v1/notices/").json()["results"] == []
    staff = _client(housing_approver).get("/api/v1/notices/").json()["results"]
    assert [item["event"] for item in staff] == ["review_assigned"]
    mine = _client(citizen).get("/api/v1/notices/").json()["results"]
    assert {item["event"] for item in mine} == {"case_submitted", "case_accepted"}


def test_inbox_api_needs_a_signed_in_user(db):
    answer = APIClient().get("/api/v1/notices/")
    assert answer.status_code in (401, 403)
    assert "detail" in answer.json()


def test_inbox_api_is_read_only(citizen):
    answer = _client(citizen).post("/api/v1/notices/", {"text": "x"}, format="json")
    assert answer.status_code == 405


def _inbox(user, count: int) -> None:
    for n in range(count):
        notice_create(
            key=f"case-event:{user.pk}{n:04d}",
            channel="inbox",
            template="case_submitted",
            context={"hall": "西湖区政务服务中心", "number": f"20260305-{n:05d}", "matter": "登记"},
            recipient=user,
        )


def test_inbox_api_reads_a_constant_number_of_queries(db, citizen, django_assert_max_num_queries):
    _inbox(citizen, 2)
    with CaptureQueriesContext(connection) as few:
        assert len(_client(citizen).get("/api/v1/notices/").json()["results"]) == 2
    busy = UserFactory(citizen=True)
    _inbox(busy, 15)

    with django_assert_max_num_queries(len(few)):
        answer = _client(busy).get("/api/v1/notices/")

    assert answer.status_code == 200
    assert answer.json()["count"] == 15
    assert "20260305-00014" in answer.json()["results"][0]["text"]  # the newest first


def test_a_step_publishes_one_message_for_all_its_notices(
    make_case,
    clerk,
    housing_approver,
    tax_approver,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    """The acceptance tells the applicant and both departments' approvers: one message."""
    from notices import tasks

    for approver, phone in ((housing_approver, "13900000001"), (tax_approver, "13900000002")):
        approver.phone = phone
        approver.save(update_fields=["phone"])
    case = make_case("submitted")
    batches, singles = [], []
    monkeypatch.setattr(tasks.send_notices, "delay", batches.append)
    monkeypatch.setattr(tasks.send_notice, "delay", singles.append)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept(case=case, by=clerk)
    texts = Notice.objects.filter(channel="sms", template__in=["case_accepted", "review_assigned"])
    assert texts.count() == 3
    assert singles == [] and len(batches) == 1
    assert sorted(batches[0]) == sorted(texts.values_list("pk", flat=True))
