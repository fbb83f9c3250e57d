"""Supervisors' admin: extensions, follow-ups of bad ratings, and cases read-only."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Case, Extension, FollowUp, FollowUpOutcome, Review, Visit
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

EXTENSIONS = reverse("admin:cases_extension_changelist")
FOLLOW_UPS = reverse("admin:cases_followup_changelist")
CASES = reverse("admin:cases_case_changelist")


def logged_in(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True, username="root")


# Extensions ----------------------------------------------------------------------------------


@pytest.fixture
def extension(make_case, housing_approver) -> Extension:
    case = make_case("in_review")
    return services.extension_request(
        case=case, by=housing_approver, days=3, reason="需要专家论证。"
    )


def act(client, action, extension, note=""):
    return client.post(
        EXTENSIONS,
        {"action": action, "_selected_action": [str(extension.pk)], "note": note, "index": "0"},
    )


def test_supervisor_lists_requested_extensions_first(client, extension, supervisor):
    response = logged_in(client, supervisor).get(EXTENSIONS)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [extension]
    html = response.content.decode()
    assert "需要专家论证" in html and extension.case.number in html
    assert 'name="note"' in html  # the note goes with the action


def test_refusal_needs_a_note_and_keeps_the_deadline(client, extension, supervisor):
    deadline = extension.case.deadline
    logged_in(client, supervisor)
    response = act(client, "refuse", extension)
    assert any("须填写批示意见" in m for m in messages_of(response))
    extension.refresh_from_db()
    assert extension.status == "requested"

    act(client, "refuse", extension, note="理由不充分。")
    extension.refresh_from_db()
    assert extension.status == "refused" and extension.decision_note == "理由不充分。"
    case = Case.objects.get(pk=extension.case_id)
    assert case.deadline == deadline and case.extension_days == 0


def test_deciding_twice_is_reported(client, extension, supervisor):
    logged_in(client, supervisor)
    act(client, "grant", extension)
    response = act(client, "grant", extension)
    assert any("已经处理过了" in m for m in messages_of(response))
    assert Case.objects.get(pk=extension.case_id).extension_days == 3


def test_approvers_see_their_lead_extensions_without_actions(
    client, extension, housing_approver, tax_approver
):
    response = logged_in(client, housing_approver).get(EXTENSIONS)
    assert list(response.context["cl"].result_list) == [extension]
    assert 'name="action"' not in response.content.decode()
    act(client, "grant", extension)
    extension.refresh_from_db()
    assert extension.status == "requested"
    response = logged_in(client, tax_approver).get(EXTENSIONS)
    assert list(response.context["cl"].result_list) == []


# Follow-ups ----------------------------------------------------------------------------------


@pytest.fixture
def follow_up(make_case, clerk, citizen) -> FollowUp:
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    rating = services.rating_create(case=case, by=citizen, score=1, comment="等了很久。")
    return rating.follow_up


def follow_up_url(follow_up) -> str:
    return reverse("admin:cases_followup_change", args=[follow_up.pk])


def test_department_sees_its_follow_ups_only(client, follow_up, housing_approver, tax_approver):
    response = logged_in(client, housing_approver).get(FOLLOW_UPS)
    assert list(response.context["cl"].result_list) == [follow_up]
    assert "非常不满意" in response.content.decode()
    logged_in(client, tax_approver)
    assert list(client.get(FOLLOW_UPS).context["cl"].result_list) == []
    assert client.get(follow_up_url(follow_up)).status_code == 404


def test_department_records_callback_and_closes(client, follow_up, housing_approver):
    logged_in(client, housing_approver)
    page = client.get(follow_up_url(follow_up))
    assert page.status_code == 200 and "等了很久" in page.content.decode()
    response = client.post(
        follow_up_url(follow_up),
        {
            "action": "record",
            "record-callback_note": "已电话致歉并优化流程。",
            "record-outcome": "rectified",
        },
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.outcome == FollowUpOutcome.RECTIFIED
    assert follow_up.closed_by == housing_approver and follow_up.closed_at is not None


def test_callback_note_is_required(client, follow_up, housing_approver):
    response = logged_in(client, housing_approver).post(
        follow_up_url(follow_up), {"action": "record", "record-outcome": "explained"}
    )
    assert response.status_code == 200
    assert any("请填写回访记录" in m for m in messages_of(response))
    follow_up.refresh_from_db()
    assert follow_up.outcome == ""


def test_appeal_is_decided_by_a_supervisor(client, follow_up, housing_approver, supervisor):
    logged_in(client, housing_approver).post(
        follow_up_url(follow_up),
        {"action": "record", "record-callback_note": "申请人误评。", "record-outcome": "appealed"},
    )
    follow_up.refresh_from_db()
    assert follow_up.outcome == FollowUpOutcome.APPEALED and follow_up.closed_at is None

    # The department cannot decide its own appeal.
    response = client.post(follow_up_url(follow_up), {"action": "appeal", "appeal-upheld": "1"})
    assert any("只有监察人员" in m for m in messages_of(response))

    logged_in(client, supervisor)
    assert client.get(follow_up_url(follow_up)).context["can_decide_appeal"]
    response = client.post(follow_up_url(follow_up), {"action": "appeal", "appeal-upheld": "1"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.appeal_upheld is True and follow_up.closed_by == supervisor
    filtered = client.get(FOLLOW_UPS, {"state": "closed"})
    assert list(filtered.context["cl"].result_list) == [follow_up]


# Cases, read-only ----------------------------------------------------------------------------


def test_case_list_is_searchable_and_masked(client, make_case, supervisor, citizen):
    case, other = make_case("in_review"), make_case("in_review")
    response = logged_in(client, supervisor).get(CASES, {"q": case.number})
    assert list(response.context["cl"].result_list) == [case]
    html = response.content.decode()
    assert citizen.id_number not in html and "李*" in html
    assert other.number not in html


def test_case_detail_shows_materials_reviews_events_and_visits(
    client, make_case, supervisor, clerk
):
    case = make_case("in_review")
    Visit.objects.create(case=case, date=case.accepted_on, kind="intake", clerk=clerk)
    response = logged_in(client, supervisor).get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("居民身份证", "市税务局", "受理", "窗口受理"):
        assert text in html
    file = case.materials.get(material_type__name="居民身份证").files.get()
    assert reverse("cases:material-file", args=[case.number, file.id]) in html
    assert case.applicant_id_number not in html


def test_nobody_changes_a_case_in_the_admin(client, make_case, supervisor, superuser):
    case = make_case("in_review")
    change = reverse("admin:cases_case_change", args=[case.pk])
    for user in (supervisor, superuser):
        logged_in(client, user)
        assert client.get(reverse("admin:cases_case_add")).status_code == 403
        assert client.post(change, {"status": "approved"}).status_code == 403
        delete = reverse("admin:cases_case_delete", args=[case.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert 'name="_save"' not in client.get(change).content.decode()
    assert Case.objects.get(pk=case.pk).status == "in_review"


def test_approver_sees_only_cases_their_department_reviews(client, make_case, housing_approver):
    case = make_case("in_review")
    logged_in(client, housing_approver)
    assert list(client.get(CASES).context["cl"].result_list) == [case]
    stranger = UserFactory(approver=True, department=DepartmentFactory(code="police"))
    logged_in(client, stranger)
    assert list(client.get(CASES).context["cl"].result_list) == []
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect, no details


def _copy_case(template: Case, n: int) -> None:
    case = Case.objects.get(pk=template.pk)
    case.pk = None
    case.number = f"C{n:08d}"
    case.save()
    for review in template.reviews.all():
        Review.objects.create(case=case, department=review.department)


def test_case_list_runs_a_constant_number_of_queries(
    client, make_case, housing_approver, django_assert_max_num_queries
):
    template = make_case("in_review")
    for n in range(2):
        _copy_case(template, n)
    logged_in(client, housing_approver)
    client.get(CASES)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(CASES).context["cl"].result_list) == 3
    for n in range(2, 29):
        _copy_case(template, n)
    with django_assert_max_num_queries(len(three)):
        assert len(client.get(CASES).context["cl"].result_list) == 30
