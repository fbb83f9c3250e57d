"""Sending: retries with backoff, the final failure in the admin with a resend action, one
send however many senders, the sweeper."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notices import tasks
from notices.models import EmailAddress, Notice, NoticeAttempt, NoticeStatus
from notices.services import backoff, notice_create, notice_resend, notice_send, notices_due
from tests.factories import UserFactory
from tests.plans import explained, scans

pytestmark = pytest.mark.django_db

CONTEXT = {"hall": "西湖区政务服务中心", "number": "20260305-00001", "matter": "不动产转移登记"}


@pytest.fixture(autouse=True)
def _retries(settings):
    settings.NOTICE_MAX_ATTEMPTS = 3
    settings.NOTICE_RETRY_BASE_SECONDS = 30
    settings.NOTICE_RETRY_MAX_SECONDS = 3600


def sms(key: str = "case-event:1", phone: str = "13800001111") -> Notice:
    return notice_create(
        key=key, channel="sms", template="case_submitted", context=CONTEXT, address=phone
    )


def make_due(notice: Notice) -> None:
    """Let the backoff pass (the clock is not mocked: the row is moved instead)."""
    Notice.objects.filter(pk=notice.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_sent_on_the_first_try(test_sms):
    notice = sms()
    assert notice_send(notice_id=notice.pk) == NoticeStatus.SENT
    notice.refresh_from_db()
    assert notice.status == "sent" and notice.sent_at and notice.attempts == 1
    assert notice.provider_id == f"scripted-notice-{notice.pk}"
    assert test_sms.calls == [
        {"address": "13800001111", "text": notice.text, "key": f"notice-{notice.pk}"}
    ]
    assert list(NoticeAttempt.objects.values_list("ok", flat=True)) == [True]


def test_a_send_reads_its_own_row_whatever_the_backlog(test_sms):
    # A backlog in the outbox (a gateway down for a while) that the statistics, taken while
    # it was empty, do not know of: each send must still read its own row, not every
    # pending one.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notices_notice")
    now = timezone.now()
    Notice.objects.bulk_create(
        Notice(
            key=f"backlog:{n}",
            channel="sms",
            recipient_key=f"1380000{n:04d}",
            address=f"1380000{n:04d}",
            template="case_submitted",
            text="…",
            next_attempt_at=now,
        )
        for n in range(3000)
    )
    notice = sms()
    with CaptureQueriesContext(connection) as captured:
        assert notice_send(notice_id=notice.pk) == NoticeStatus.SENT

    (lock,) = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert [rows for _table, rows in scans(explained(lock))] == [1]


def test_a_transient_failure_leaves_it_pending_with_backoff(test_sms):
    test_sms.reset(script=["transient"])
    notice = sms()
    before = timezone.now()
    assert notice_send(notice_id=notice.pk) == NoticeStatus.PENDING
    notice.refresh_from_db()
    assert notice.attempts == 1 and notice.last_error == "gateway timed out"
    assert before + datetime.timedelta(seconds=29) < notice.next_attempt_at
    assert notice.next_attempt_at < timezone.now() + datetime.timedelta(seconds=31)
    attempt = NoticeAttempt.objects.get(notice=notice)
    assert attempt.ok is False and attempt.error == "gateway timed out"


def test_a_retry_waits_for_its_backoff_whoever_asks(test_sms):
    test_sms.reset(script=["transient"])
    notice = sms()
    notice_send(notice_id=notice.pk)
    # A duplicate message, or the sweeper, before the backoff has passed: nothing happens.
    assert notice_send(notice_id=notice.pk) == "skipped"
    assert notice.pk not in notices_due()
    assert len(test_sms.calls) == 1
    make_due(notice)
    assert notice.pk in notices_due()
    assert notice_send(notice_id=notice.pk) == NoticeStatus.SENT
    assert len(test_sms.calls) == 2


def test_backoff_doubles_up_to_the_cap(settings):
    settings.NOTICE_RETRY_MAX_SECONDS = 200
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 200, 200]


def test_after_the_last_attempt_it_is_failed(test_sms):
    test_sms.reset(default="transient")
    notice = sms()
    statuses = []
    for attempt in range(3):
        if attempt:
            make_due(notice)
        statuses.append(notice_send(notice_id=notice.pk))
    assert statuses == ["pending", "pending", "failed"]
    notice.refresh_from_db()
    assert notice.status == "failed" and notice.attempts == 3 and notice.next_attempt_at is None
    assert NoticeAttempt.objects.filter(notice=notice, ok=False).count() == 3
    assert notice_send(notice_id=notice.pk) == "skipped"
    assert notice.pk not in notices_due()
    assert len(test_sms.calls) == 3


def test_a_permanent_error_fails_at_once(test_sms):
    test_sms.reset(script=["permanent"])
    notice = sms()
    assert notice_send(notice_id=notice.pk) == NoticeStatus.FAILED
    notice.refresh_from_db()
    assert notice.attempts == 1 and notice.last_error == "invalid number"
    assert notice.next_attempt_at is None


def test_an_unexpected_backend_error_counts_as_an_attempt(test_sms):
    """A bug or a misconfigured backend must not loop for ever unseen."""
    test_sms.reset(default="boom")
    notice = sms()
    assert notice_send(notice_id=notice.pk) == NoticeStatus.PENDING
    notice.refresh_from_db()
    assert notice.attempts == 1 and notice.last_error == "backend bug"
    for _ in range(2):
        make_due(notice)
        notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "failed"


def test_inbox_messages_are_not_sent_again(test_sms, citizen):
    inbox = notice_create(
        key="k", channel="inbox", template="case_submitted", context=CONTEXT, recipient=citizen
    )
    assert notice_send(notice_id=inbox.pk) == "skipped"
    assert test_sms.calls == []


def test_email_goes_through_djangos_mail_backend(settings, mailoutbox):
    user = UserFactory(email="li.si@example.com")
    EmailAddress.objects.create(user=user, email="li.si@example.com", confirmed_at=timezone.now())
    notice = notice_create(
        key="k", channel="email", template="case_submitted", context=CONTEXT, recipient=user
    )
    assert notice_send(notice_id=notice.pk) == "sent"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["li.si@example.com"] and mail.subject == "办件已提交"
    assert "20260305-00001" in mail.body


# The task and the sweeper ---------------------------------------------------------------------


def test_the_task_schedules_its_retry_at_the_backoff(test_sms, monkeypatch):
    scheduled = []
    monkeypatch.setattr(
        tasks.send_notice, "apply_async", lambda args, eta: scheduled.append((args, eta))
    )
    test_sms.reset(script=["transient"])
    notice = sms()
    assert tasks.send_notice(notice.pk) == "pending"
    notice.refresh_from_db()
    assert scheduled == [((notice.pk,), notice.next_attempt_at)]
    assert tasks.send_notice(notice.pk) == "skipped"  # a duplicate: no second retry chain
    assert len(scheduled) == 1


def test_the_sweeper_sends_what_is_due_and_left(test_sms):
    first, second, later = sms("a"), sms("b"), sms("c")
    Notice.objects.filter(pk=later.pk).update(
        attempts=1, next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert tasks.sweep_outbox() == 2
    statuses = dict(Notice.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "sent", second.pk: "sent", later.pk: "pending"}
    assert tasks.sweep_outbox() == 0  # run twice: nothing more
    assert len(test_sms.calls) == 2


def test_the_sweeper_stops_at_its_time_budget(test_sms):
    for key in "abc":
        sms(key)
    assert tasks.sweep_outbox(budget_seconds=-1) == 0
    assert Notice.objects.filter(status="pending").count() == 3


# The admin ------------------------------------------------------------------------------------


def _fail(test_sms) -> Notice:
    test_sms.reset(script=["permanent"])
    notice = sms()
    notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "failed"
    return notice


def test_failed_notices_show_in_the_admin_filter(admin_client, test_sms):
    failed = _fail(test_sms)
    sent = sms("other", phone="13800002222")
    notice_send(notice_id=sent.pk)
    page = admin_client.get("/admin/notices/notice/", {"status__exact": "failed"})
    assert page.status_code == 200
    listed = [row.pk for row in page.context["cl"].result_list]
    assert listed == [failed.pk]
    html = page.content.decode()
    assert "138****1111" in html and "13800001111" not in html  # the number masked
    detail = admin_client.get(f"/admin/notices/notice/{failed.pk}/change/")
    assert detail.status_code == 200
    assert "invalid number" in detail.content.decode()  # the attempt and what it said


def test_the_admin_resend_action_puts_it_back(admin_client, test_sms, monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks.send_notice, "delay", enqueued.append)
    failed = _fail(test_sms)
    sent = sms("other", phone="13800002222")
    notice_send(notice_id=sent.pk)
    answer = admin_client.post(
        "/admin/notices/notice/",
        {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    assert "已重新排入发送队列：1 条" in answer.content.decode()
    failed.refresh_from_db()
    assert failed.status == "pending" and failed.attempts == 0
    assert failed.next_attempt_at <= timezone.now()
    assert Notice.objects.get(pk=sent.pk).status == "sent"  # a sent one is left alone
    test_sms.reset()
    assert notice_send(notice_id=failed.pk) == "sent"
    assert NoticeAttempt.objects.filter(notice=failed).count() == 2  # the history is kept


@pytest.mark.parametrize("status", ["pending", "sent"])
def test_resend_leaves_anything_but_failed_alone(test_sms, status):
    notice = sms()
    # A notice that has been tried: resending it would reset its attempts and its clock.
    later = timezone.now() + datetime.timedelta(hours=1)
    Notice.objects.filter(pk=notice.pk).update(status=status, attempts=2, next_attempt_at=later)
    test_sms.reset()

    notice_resend(notice=notice)

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.next_attempt_at) == (status, 2, later)
    assert test_sms.calls == []


# Two senders at once --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_at_once_send_it_once(test_sms, monkeypatch):
    monkeypatch.setattr(tasks.send_notice, "delay", lambda pk: None)
    test_sms.reset(delay=0.5)  # the first holds the row lock while the "gateway" answers
    notice = sms()
    barrier = threading.Barrier(3)
    results, errors = [], []

    def send():
        try:
            barrier.wait(timeout=10)
            results.append(notice_send(notice_id=notice.pk))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    close_old_connections()
    assert not errors
    assert sorted(results) == ["sent", "skipped", "skipped"]
    assert len(test_sms.calls) == 1
    assert NoticeAttempt.objects.filter(notice_id=notice.pk, ok=True).count() == 1
    # And once sent, a late sender finds nothing to do.
    assert notice_send(notice_id=notice.pk) == "skipped"
    assert len(test_sms.calls) == 1


def test_a_batch_sends_each_notice_and_one_failure_stops_none(test_sms, monkeypatch):
    first, second, third = sms("a", "13800000001"), sms("b", "13800000002"), sms("c", "13800000003")
    real_send = tasks.notice_send

    def send(*, notice_id):
        if notice_id == first.pk:
            raise RuntimeError("database hiccup")
        return real_send(notice_id=notice_id)

    monkeypatch.setattr(tasks, "notice_send", send)
    assert tasks.send_notices([first.pk, second.pk, third.pk]) == 3
    assert [call["address"] for call in test_sms.calls] == ["13800000002", "13800000003"]
    assert Notice.objects.get(pk=first.pk).status == "pending"  # the sweep's to send
    assert {Notice.objects.get(pk=n.pk).status for n in (second, third)} == {"sent"}
    tasks.send_notices([second.pk, third.pk])  # the message delivered twice
    assert len(test_sms.calls) == 2


def test_a_batch_past_its_budget_hands_the_rest_to_tasks_of_their_own(test_sms, monkeypatch):
    """A slow gateway does not hold one worker process for a whole step's notices."""
    first, second = sms("a", "13800000001"), sms("b", "13800000002")
    handed = []
    monkeypatch.setattr(tasks.send_notice, "apply_async", lambda args: handed.extend(args))
    assert tasks.send_notices([first.pk, second.pk], budget_seconds=-1) == 2
    assert handed == [first.pk, second.pk] and test_sms.calls == []
    assert tasks.send_notices([first.pk, second.pk]) == 2  # within the budget: sent here
    assert [call["address"] for call in test_sms.calls] == ["13800000001", "13800000002"]
