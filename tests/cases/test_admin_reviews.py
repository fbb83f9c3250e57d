"""The approvers' review queue and review page in the admin: only through the services."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Review, ReviewStatus, SpecialProcedure
from tests.factories import DepartmentFactory, UserFactory

from .conftest import requirement

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:cases_review_changelist")


def review_url(review: Review) -> str:
    return reverse("admin:cases_review_change", args=[review.pk])


def logged_in(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def set_clock(case: Case, *, deadline, warning_on, stopped_on=None) -> None:
    Case.objects.filter(pk=case.pk).update(
        deadline=deadline, warning_on=warning_on, clock_stopped_on=stopped_on
    )


def decide(client, review, decision, opinion="材料齐全，符合条件。", missing=()):
    return client.post(
        review_url(review),
        {
            "action": "decide",
            "decision-decision": decision,
            "decision-opinion": opinion,
            "decision-missing": [str(i) for i in missing],
        },
    )


# The queue -----------------------------------------------------------------------------------


def test_fresh_approver_sees_the_queue_without_model_permissions(client, housing_approver):
    assert not housing_approver.user_permissions.exists()
    assert not housing_approver.groups.get().permissions.exists()
    response = logged_in(client, housing_approver).get(reverse("admin:index"))
    assert response.status_code == 200
    assert QUEUE in response.content.decode()
    assert logged_in(client, housing_approver).get(QUEUE).status_code == 200


def test_queue_shows_own_department_pending_first_by_deadline_with_lights(
    client, make_case, housing_approver, tax_approver
):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    green, yellow, red, stopped, done = (make_case("in_review") for _ in range(5))
    set_clock(green, deadline=today + 10 * day, warning_on=today + 5 * day)
    set_clock(yellow, deadline=today + 3 * day, warning_on=today - day)
    set_clock(red, deadline=today - day, warning_on=today - 4 * day)
    set_clock(stopped, deadline=today - 2 * day, warning_on=today - 5 * day, stopped_on=today)
    set_clock(done, deadline=today - 9 * day, warning_on=today - 12 * day)
    logged_in(client, housing_approver)
    assert (
        decide(client, done.reviews.get(department__code="housing"), "approve").status_code == 302
    )

    response = client.get(QUEUE)

    rows = list(response.context["cl"].result_list)
    assert {r.department.code for r in rows} == {"housing"}
    assert [r.case.number for r in rows] == [c.number for c in (stopped, red, yellow, green, done)]
    assert [r.status for r in rows][-1] == ReviewStatus.APPROVED
    html = response.content.decode()
    assert "deadline-green" in html and "正常" in html
    assert "deadline-yellow" in html and "即将到期" in html
    assert "deadline-red" in html and "已超期" in html
    assert "deadline-stopped" in html and "已停止计时" in html
    # The applicant is masked in the list.
    assert green.applicant_id_number not in html
    assert "李*" in html


def test_queue_filters_by_status(client, make_case, housing_approver):
    pending, decided = make_case("in_review"), make_case("in_review")
    logged_in(client, housing_approver)
    decide(client, decided.reviews.get(department__code="housing"), "approve")
    response = client.get(QUEUE, {"status__exact": "pending"})
    assert [r.case_id for r in response.context["cl"].result_list] == [pending.pk]


def test_supervisor_sees_every_department(client, make_case, supervisor):
    case = make_case("in_review")
    response = logged_in(client, supervisor).get(QUEUE)
    assert {r.pk for r in response.context["cl"].result_list} == set(
        case.reviews.values_list("pk", flat=True)
    )


def test_approver_of_an_unrelated_department_sees_nothing(client, make_case):
    make_case("in_review")
    stranger = UserFactory(approver=True, department=DepartmentFactory(code="police"))
    response = logged_in(client, stranger).get(QUEUE)
    assert list(response.context["cl"].result_list) == []


def test_citizen_and_clerk_do_not_reach_the_queue(client, citizen, clerk):
    assert logged_in(client, citizen).get(QUEUE).status_code == 302  # not staff: to login
    assert logged_in(client, clerk).get(QUEUE).status_code == 403


def _copy_case(template: Case, n: int, department) -> None:
    """A copy of an accepted case with one pending review: cheap rows for query counts."""
    case = Case.objects.get(pk=template.pk)
    case.pk = None
    case.number = f"Q{n:08d}"
    case.save()
    Review.objects.create(case=case, department=department)


def test_queue_runs_a_constant_number_of_queries(
    client, make_case, housing, housing_approver, django_assert_max_num_queries
):
    template = make_case("in_review")
    for n in range(2):
        _copy_case(template, n, housing)
    logged_in(client, housing_approver)
    client.get(QUEUE)  # warm the session and the content types
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(QUEUE).context["cl"].result_list) == 3
    for n in range(2, 29):
        _copy_case(template, n, housing)
    with django_assert_max_num_queries(len(three)):
        assert len(client.get(QUEUE).context["cl"].result_list) == 30


# The review page -----------------------------------------------------------------------------


def test_review_page_shows_the_case_at_hand(client, make_case, housing_approver, citizen):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    file = case.materials.get(material_type__name="居民身份证").files.get()
    response = logged_in(client, housing_approver).get(review_url(review))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html and "不动产转移登记" in html
    assert citizen.id_number in html  # unmasked: the approver needs it
    assert "居民身份证" in html and "完税凭证" in html
    assert reverse("cases:material-file", args=[case.number, file.id]) in html
    assert "市税务局" in html  # the other department's review
    assert "受理" in html  # the timeline
    for decision in ("同意", "退回补正", "不同意"):
        assert decision in html
    # Checkboxes over the materials carry their requirement ids.
    assert f'value="{requirement(case, "完税凭证")}"' in html


def test_two_approvals_through_the_admin_approve_the_case(
    client, make_case, housing_approver, tax_approver
):
    case = make_case("in_review")
    response = decide(
        logged_in(client, housing_approver), case.reviews.get(department__code="housing"), "approve"
    )
    assert response.status_code == 302
    assert response.url.startswith(QUEUE)
    case.refresh_from_db()
    assert case.status == "in_review"
    decide(logged_in(client, tax_approver), case.reviews.get(department__code="tax"), "approve")
    case.refresh_from_db()
    assert case.status == "approved"
    review = case.reviews.get(department__code="tax")
    assert review.decided_by == tax_approver
    assert review.opinion == "材料齐全，符合条件。"


def test_deny_through_the_admin(client, make_case, housing_approver, tax_approver):
    case = make_case("in_review")
    decide(
        logged_in(client, housing_approver),
        case.reviews.get(department__code="housing"),
        "deny",
        opinion="房屋已被查封。",
    )
    decide(logged_in(client, tax_approver), case.reviews.get(department__code="tax"), "approve")
    case.refresh_from_db()
    assert case.status == "denied"
    assert "房屋已被查封" in case.decision_note


@pytest.mark.parametrize("decision", ["approve", "return", "deny"])
def test_every_decision_requires_an_opinion(client, make_case, housing_approver, decision):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    events = CaseEvent.objects.filter(case=case).count()
    missing = [requirement(case, "完税凭证")]
    response = decide(logged_in(client, housing_approver), review, decision, "   ", missing)
    assert response.status_code == 200
    assert any("请填写审查意见" in m for m in messages_of(response))
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert CaseEvent.objects.filter(case=case).count() == events
    # Nothing typed is lost: the choice and the ticked materials come back.
    html = response.content.decode()
    assert re.search(rf'value="{decision}"[^>]*checked', html)
    assert re.search(rf'value="{missing[0]}"[^>]*checked', html)


def test_return_lists_missing_materials_and_case_waits_for_supplement(
    client, make_case, housing_approver, tax_approver
):
    case = make_case("in_review")
    tax_proof = requirement(case, "完税凭证")
    decide(
        logged_in(client, housing_approver), case.reviews.get(department__code="housing"), "approve"
    )
    response = decide(
        logged_in(client, tax_approver),
        case.reviews.get(department__code="tax"),
        "return",
        opinion="完税凭证缺少印章。",
        missing=[tax_proof],
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "supplement_required"
    review = case.reviews.get(department__code="tax")
    assert review.status == ReviewStatus.RETURNED and review.missing == [tax_proof]
    assert "缺少印章" in case.materials.get(requirement_id=tax_proof).reason


def test_return_without_materials_is_refused(client, make_case, housing_approver):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    response = decide(logged_in(client, housing_approver), review, "return", "请补充。")
    assert response.status_code == 200
    assert any("勾选需补正的材料" in m for m in messages_of(response))
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_service_refusal_is_shown_and_nothing_changes(client, make_case, housing_approver):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    Case.objects.filter(pk=case.pk).update(status="supplement_required")
    response = decide(logged_in(client, housing_approver), review, "approve")
    assert response.status_code == 200
    assert any("不能执行此操作" in m for m in messages_of(response))
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_approver_of_another_department_is_refused(client, make_case, housing_approver):
    case = make_case("in_review")
    tax_review = case.reviews.get(department__code="tax")
    logged_in(client, housing_approver)
    assert client.get(review_url(tax_review)).status_code == 404
    assert decide(client, tax_review, "approve").status_code == 404
    tax_review.refresh_from_db()
    assert tax_review.status == ReviewStatus.PENDING


def test_supervisor_sees_the_page_but_cannot_decide(client, make_case, supervisor):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    logged_in(client, supervisor)
    response = client.get(review_url(review))
    assert response.status_code == 200
    assert not response.context["can_decide"]
    response = decide(client, review, "approve")
    assert any("只有本部门的审批人员" in m for m in messages_of(response))
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_review_fields_are_never_edited_directly(client, make_case, housing_approver, superuser):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    for user in (housing_approver, superuser):
        logged_in(client, user)
        response = client.post(review_url(review), {"status": "approved", "opinion": "x"})
        assert response.status_code == 200
        assert any("未知的操作" in m for m in messages_of(response))
        assert client.get(reverse("admin:cases_review_add")).status_code == 403
        assert (
            client.post(reverse("admin:cases_review_delete", args=[review.pk])).status_code == 403
        )
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True, username="root")


# Special procedures and extensions -----------------------------------------------------------


def test_special_procedure_stops_the_clock_and_ends(client, make_case, housing_approver):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    logged_in(client, housing_approver)
    response = client.post(
        review_url(review),
        {
            "action": "special_start",
            "special-kind": "inspection",
            "special-expected_days": "5",
            "special-reason": "需现场勘查房屋结构。",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.clock_stopped
    procedure = SpecialProcedure.objects.get(case=case)
    assert procedure.kind == "inspection" and procedure.ended_on is None
    html = client.get(QUEUE).content.decode()
    assert "已停止计时" in html

    response = client.post(
        review_url(review), {"action": "special_end", "procedure": str(procedure.pk)}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.clock_stopped
    procedure.refresh_from_db()
    assert procedure.ended_on == timezone.localdate()


def test_special_procedure_needs_a_reason(client, make_case, housing_approver):
    case = make_case("in_review")
    review = case.reviews.get(department__code="housing")
    response = logged_in(client, housing_approver).post(
        review_url(review),
        {"action": "special_start", "special-kind": "testing", "special-expected_days": "3"},
    )
    assert response.status_code == 200
    assert messages_of(response)
    case.refresh_from_db()
    assert not case.clock_stopped


def test_extension_request_and_supervisor_grant_change_the_deadline(
    client, make_case, housing_approver, tax_approver, supervisor
):
    case = make_case("in_review")
    before = case.deadline
    review = case.reviews.get(department__code="housing")
    logged_in(client, housing_approver)
    assert client.get(review_url(review)).context["can_extend"]
    response = client.post(
        review_url(review),
        {"action": "extension", "extension-days": "5", "extension-reason": "需征求相关部门意见。"},
    )
    assert response.status_code == 302
    extension = case.extensions.get()
    assert extension.status == "requested" and extension.days == 5

    # Only the lead department asks.
    tax_review = case.reviews.get(department__code="tax")
    logged_in(client, tax_approver)
    assert not client.get(review_url(tax_review)).context["can_extend"]

    logged_in(client, supervisor)
    response = client.post(
        reverse("admin:cases_extension_changelist"),
        {
            "action": "grant",
            "_selected_action": [str(extension.pk)],
            "note": "同意延期。",
            "index": "0",
        },
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.status == "granted" and extension.decided_by == supervisor
    assert extension.decision_note == "同意延期。"
    case.refresh_from_db()
    assert case.extension_days == 5
    assert case.deadline > before


def test_extension_request_by_a_reviewing_non_lead_department_is_refused(
    client, make_case, tax_approver
):
    case = make_case("in_review")
    response = logged_in(client, tax_approver).post(
        review_url(case.reviews.get(department__code="tax")),
        {"action": "extension", "extension-days": "5", "extension-reason": "理由。"},
    )
    assert response.status_code == 200
    assert any("只有主办部门" in m for m in messages_of(response))
    assert not case.extensions.exists()
