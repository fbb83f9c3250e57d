"""The scheduled scans (hall/tasks.py) and what beat runs (hall/schedule.py).

Each scan runs twice and makes one effect: warnings once per case and colour, reminders once.
"""

import datetime

import pytest
from celery.schedules import crontab
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, FollowUp
from hall import tasks
from hall.schedule import BEAT_SCHEDULE
from matters.calendar import add_working_days
from notices.models import Notice
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import requirement
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The catalog and case builders of the case service tests.
housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
housing_approver = cases_conftest.housing_approver
tax_approver = cases_conftest.tax_approver
make_case = cases_conftest.make_case


@pytest.fixture
def supervisor(db):
    return UserFactory(supervisor=True, name="钱监察", phone="13700000009")


def warnings(colour: str) -> list[tuple[str, str]]:
    """(recipient, channel) of every warning of that colour."""
    return sorted(
        Notice.objects.filter(template=f"deadline_{colour}").values_list(
            "recipient__username", "channel"
        )
    )


def run(task, today: datetime.date | None = None):
    """Run a scheduled task as the worker would (its wrapper, arguments as literals)."""
    kwargs = {"today": today.isoformat()} if today else {}
    return task.apply(kwargs=kwargs).get()


# Deadline warnings ----------------------------------------------------------------------------


def test_yellow_once_per_case_and_recipient_however_often_the_scan_runs(
    make_case, housing_approver, tax_approver, supervisor
):
    case = make_case("in_review")
    assert run(tasks.scan_deadlines, case.warning_on - datetime.timedelta(days=1)) == 0
    created = run(tasks.scan_deadlines, case.warning_on)
    assert created == 4  # two approvers (portal) and the supervisor (portal and SMS)
    assert run(tasks.scan_deadlines, case.warning_on) == 0
    assert run(tasks.scan_deadlines, case.deadline) == 0  # still yellow on the last day
    expected = sorted(
        [
            (housing_approver.username, "inbox"),
            (tax_approver.username, "inbox"),
            (supervisor.username, "inbox"),
            (supervisor.username, "sms"),
        ]
    )
    assert warnings("yellow") == expected
    assert warnings("red") == []
    assert set(Notice.objects.filter(template="deadline_yellow").values_list("key", flat=True)) == {
        f"deadline:{case.pk}:yellow"
    }


def test_yellow_then_red_gets_one_of_each(make_case, housing_approver, tax_approver, supervisor):
    case = make_case("in_review")
    run(tasks.scan_deadlines, case.warning_on)
    overdue = case.deadline + datetime.timedelta(days=1)
    assert run(tasks.scan_deadlines, overdue) == 4
    assert run(tasks.scan_deadlines, overdue) == 0
    assert run(tasks.scan_deadlines, overdue + datetime.timedelta(days=7)) == 0
    assert warnings("yellow") == warnings("red")
    assert len(warnings("red")) == 4


def test_a_case_first_seen_overdue_gets_the_red_warning_only(make_case, supervisor):
    case = make_case("in_review")
    run(tasks.scan_deadlines, case.deadline + datetime.timedelta(days=3))
    assert warnings("yellow") == []
    assert warnings("red") == [(supervisor.username, "inbox"), (supervisor.username, "sms")]


def test_only_departments_with_an_open_review_are_warned(
    make_case, housing_approver, tax_approver, supervisor
):
    case = make_case("in_review")
    services.review_decide(
        review=case.reviews.get(department__code="housing"),
        by=housing_approver,
        decision="approve",
        opinion="同意。",
    )
    run(tasks.scan_deadlines, case.warning_on)
    recipients = {name for name, _channel in warnings("yellow")}
    assert recipients == {tax_approver.username, supervisor.username}


def test_stopped_clocks_and_decided_cases_are_not_warned(
    make_case, housing_approver, tax_approver, supervisor
):
    waiting = make_case("in_review")
    services.special_procedure_start(
        case=waiting, by=housing_approver, kind="testing", reason="送检", expected_days=5
    )
    decided = make_case("approved")
    late = max(waiting.deadline, decided.deadline) + datetime.timedelta(days=10)
    assert run(tasks.scan_deadlines, late) == 0
    assert not Notice.objects.filter(template__startswith="deadline_").exists()


def test_the_scan_reads_in_a_fixed_number_of_queries(make_case, supervisor, tax_approver):
    def queries_of_a_repeat(today) -> int:
        run(tasks.scan_deadlines, today)  # first run creates
        with CaptureQueriesContext(connection) as captured:
            assert run(tasks.scan_deadlines, today) == 0
        return len(captured)

    first = make_case("in_review")
    one = queries_of_a_repeat(first.warning_on)
    for _ in range(5):
        make_case("in_review")
    six = queries_of_a_repeat(first.warning_on)
    assert one == six <= 5
    assert Case.objects.filter(status="in_review").count() == 6


# Deemed acceptance ----------------------------------------------------------------------------


def test_deemed_acceptance_through_the_task_once(make_case, clerk):
    old = make_case("submitted")
    fresh = make_case("submitted")
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=10))
    assert run(tasks.deem_accepted) == [old.number]
    assert run(tasks.deem_accepted) == []
    old.refresh_from_db()
    assert old.status == "in_review" and old.reviews.count() == 2
    assert Case.objects.get(pk=fresh.pk).status == "submitted"
    event = CaseEvent.objects.get(case=old, action="accept")
    assert event.actor is None and "视为受理" in event.note
    # The applicant is told, as for any acceptance.
    assert (
        Notice.objects.filter(template="case_accepted", key=f"case-event:{event.pk}").count() == 2
    )


# Deferred materials ---------------------------------------------------------------------------


@pytest.fixture
def deferred_case(make_case, clerk):
    """Accepted with 完税凭证 deferred to 5 working days from today."""
    case = make_case("submitted", deferred=True)
    due = add_working_days(timezone.localdate(), 5)
    services.case_commit_deferral(case=case, by=case.owner, due_date=due)
    services.case_accept(
        case=case, by=clerk, deferred=[requirement(case, "完税凭证")], due_date=due
    )
    return case, due


def reminder_day(due: datetime.date) -> datetime.date:
    """The first day whose 2-working-day horizon reaches ``due``."""
    day = due
    while add_working_days(day - datetime.timedelta(days=1), 2) >= due:
        day -= datetime.timedelta(days=1)
    return day


def test_deferred_material_reminded_once_two_working_days_before(deferred_case, citizen):
    case, due = deferred_case
    day = reminder_day(due)
    assert add_working_days(day, 2) == due
    assert run(tasks.remind_deferred_materials, day - datetime.timedelta(days=1)) == 0
    assert run(tasks.remind_deferred_materials, day) == 2  # SMS and the portal
    assert run(tasks.remind_deferred_materials, day) == 0
    assert run(tasks.remind_deferred_materials, add_working_days(day, 1)) == 0
    reminders = Notice.objects.filter(template="deferred_due")
    assert sorted(reminders.values_list("channel", flat=True)) == ["inbox", "sms"]
    assert {n.key for n in reminders} == {f"deferred-due:{case.pk}:{due:%Y%m%d}"}
    assert reminders.get(channel="sms").address == case.applicant_phone
    assert reminders.get(channel="inbox").recipient == citizen


def test_the_reminder_is_mailed_to_a_confirmed_address_in_fixed_queries(
    deferred_case, citizen, make_case, clerk, mailoutbox
):
    from notices.models import EmailAddress
    from notices.tasks import send_notice

    case, due = deferred_case
    day = reminder_day(due)
    EmailAddress.objects.create(user=citizen, email="li.si@example.cn", confirmed_at=timezone.now())

    def queries_of_a_repeat() -> int:
        run(tasks.remind_deferred_materials, day)
        with CaptureQueriesContext(connection) as captured:
            run(tasks.remind_deferred_materials, day)
        return len(captured)

    one = queries_of_a_repeat()
    mailed = Notice.objects.get(template="deferred_due", channel="email")
    assert (mailed.address, mailed.recipient) == ("li.si@example.cn", citizen)
    send_notice.apply(args=[mailed.pk])
    assert [m.to for m in mailoutbox] == [["li.si@example.cn"]]
    assert case.number in mailoutbox[0].body
    for _ in range(3):  # more cases of the owner with a confirmed address
        other = make_case("submitted", deferred=True)
        services.case_commit_deferral(case=other, by=other.owner, due_date=due)
        services.case_accept(
            case=other, by=clerk, deferred=[requirement(other, "完税凭证")], due_date=due
        )
    assert queries_of_a_repeat() == one  # who has an address is read with the cases
    assert Notice.objects.filter(template="deferred_due", channel="email").count() == 4


def test_an_unconfirmed_address_gets_no_reminder(deferred_case, citizen):
    from notices.models import EmailAddress

    _case, due = deferred_case
    citizen.email = "li.si@example.cn"
    citizen.save(update_fields=["email"])
    EmailAddress.objects.create(user=citizen, pending_email="li.si@example.cn")
    assert run(tasks.remind_deferred_materials, reminder_day(due)) == 2  # SMS and the portal
    assert not Notice.objects.filter(channel="email").exists()


def test_a_supplied_material_is_not_reminded(deferred_case, citizen):
    from tests.cases.conftest import pdf

    case, due = deferred_case
    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "完税凭证"), upload=pdf()
    )
    assert run(tasks.remind_deferred_materials, reminder_day(due)) == 0


# Follow-ups of bad ratings --------------------------------------------------------------------


@pytest.fixture
def follow_up(make_case, clerk, citizen):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    rating = services.rating_create(case=case, by=citizen, score=1, comment="等待太久")
    return FollowUp.objects.get(rating=rating)


def test_follow_up_reminded_once_to_the_departments_approvers(follow_up, housing_approver):
    other = UserFactory(approver=True, name="其他部门")
    housing_approvers = set(follow_up.department.staff.filter(groups__name="approver"))
    assert housing_approver in housing_approvers and other not in housing_approvers
    day = reminder_day(follow_up.due_date)
    assert run(tasks.remind_follow_ups, day - datetime.timedelta(days=1)) == 0
    assert run(tasks.remind_follow_ups, day) == len(housing_approvers)
    assert run(tasks.remind_follow_ups, day) == 0
    assert run(tasks.remind_follow_ups, follow_up.due_date) == 0
    reminders = Notice.objects.filter(template="follow_up_due")
    assert {n.recipient for n in reminders} == housing_approvers
    assert {n.key for n in reminders} == {f"follow-up-due:{follow_up.pk}"}


def test_a_handled_follow_up_is_not_reminded(follow_up, housing_approver):
    services.follow_up_record(
        follow_up=follow_up, by=housing_approver, callback_note="已回访致歉", outcome="explained"
    )
    assert run(tasks.remind_follow_ups, reminder_day(follow_up.due_date)) == 0


# The beat schedule ----------------------------------------------------------------------------


def test_beat_runs_every_scan_and_the_sweeper():
    tasks_run = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert tasks_run == {
        "notices.tasks.sweep_outbox",
        "delivery.tasks.poll_shipments",
        "hall.tasks.scan_deadlines",
        "hall.tasks.deem_accepted",
        "hall.tasks.remind_deferred_materials",
        "hall.tasks.remind_follow_ups",
        "documents.tasks.render_pending_documents",
        "windows.tasks.send_appointment_reminders",
        "windows.tasks.mark_appointment_no_shows",
        "hall.tasks.refresh_supervision_summary",
        "accounts.tasks.purge_expired_credentials",
        "payments.tasks.reconcile_payments",
    }
    assert BEAT_SCHEDULE["notices-sweep-outbox"]["schedule"] == 30.0


def test_the_scheduled_tasks_are_registered_with_the_worker():
    from hall.celery import app

    app.loader.import_default_modules()
    ours = {
        entry["task"]
        for entry in BEAT_SCHEDULE.values()
        if not entry["task"].startswith("delivery.")  # the courier work registers its own
    }
    assert ours <= set(app.tasks)


def test_entries_expire_before_their_next_run_and_daily_ones_run_in_office_hours():
    for name, entry in BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        expires = entry["options"]["expires"]
        if isinstance(schedule, crontab):
            assert schedule.hour <= set(range(8, 19)), name
            period = 3600 if len(schedule.hour) > 1 else 24 * 3600
        else:
            period = schedule
        assert 0 < expires < period, name
