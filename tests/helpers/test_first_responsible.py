"""首接负责制: the first staff member who takes a case on answers for it, is told of every
step, and is replaced only by an explicit, recorded reassignment."""

import pytest
from django.db import connection

from cases import services
from cases.models import Case, CaseStatus
from notices.models import Notice
from tests.cases.conftest import applicant_of, drive_case, pdf
from tests.factories import UserFactory

from .conftest import client_for, file_for, upload_required

pytestmark = pytest.mark.django_db


def _submitted_by_helper(helper, resident, matter):
    case = file_for(helper, resident, matter)
    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)
    return Case.objects.get(pk=case.pk)


def test_the_clerk_who_files_at_the_window_is_first_responsible(clerk, resident, matter):
    case = services.case_create(
        by=clerk, matter=matter, applicant=applicant_of(resident), channel="window"
    )

    assert Case.objects.get(pk=case.pk).first_responsible == clerk


def test_the_clerk_who_accepts_an_online_case_is_first_responsible_once(
    clerk, resident, matter, housing
):
    second = UserFactory(clerk=True, name="刘洋")
    second.authorised_departments.add(housing)
    case = drive_case("submitted", owner=resident, clerk=clerk, matter=matter)
    assert case.first_responsible is None

    services.case_accept(case=case, by=clerk)
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=Case.objects.get(pk=case.pk), by=second)

    assert Case.objects.get(pk=case.pk).first_responsible == clerk


def test_a_citizens_own_filing_has_no_first_responsible_until_accepted(resident, clerk, matter):
    case = drive_case("draft", owner=resident, clerk=clerk, matter=matter)

    assert case.first_responsible is None


def test_the_helper_stays_first_responsible_when_the_clerk_accepts(helper, resident, matter, clerk):
    case = _submitted_by_helper(helper, resident, matter)

    services.case_accept(case=case, by=clerk)

    assert Case.objects.get(pk=case.pk).first_responsible == helper


def test_the_applicant_sees_the_first_responsible_person_with_a_phone(
    client, helper, resident, matter, password
):
    case = file_for(helper, resident, matter)
    client.force_login(resident)

    page = client.get(f"/my/cases/{case.number}/").content.decode()

    assert "首接责任人" in page
    assert "周敏" in page and "荷花村代办点" in page and "0571-23456" in page


def _steps(case, *, not_by):
    """The changes of status since the case was taken on, by others than ``not_by``."""
    events = list(Case.objects.get(pk=case.pk).events.all())
    taken_on = next(
        i for i, e in enumerate(events) if e.action in ("create", "accept") and e.actor.is_staff
    )
    return [
        e
        for e in events[taken_on:]
        if e.actor != not_by and e.to_status and e.to_status != e.from_status
    ]


def test_the_first_responsible_clerk_is_told_of_every_step_but_their_own(
    clerk, resident, matter, housing
):
    second = UserFactory(clerk=True)
    case = drive_case("submitted", owner=resident, clerk=clerk, matter=matter)
    services.case_accept(case=case, by=clerk)
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=Case.objects.get(pk=case.pk), by=second)
    services.case_collect(case=Case.objects.get(pk=case.pk), by=second)

    told = Notice.objects.filter(recipient=clerk, template="first_responsible_step")
    steps = _steps(case, not_by=clerk)
    assert [e.action for e in steps] == ["conclude", "issue", "collect"]
    assert sorted(told.values_list("key", flat=True)) == sorted(
        f"case-event:{e.pk}:first-responsible" for e in steps
    )
    assert set(told.values_list("channel", flat=True)) == {"inbox"}
    issued = told.get(key=f"case-event:{steps[1].pk}:first-responsible")
    assert case.number in issued.text and "待领取" in issued.text
    # The applicant's name is masked in the staff member's inbox.
    assert resident.name not in issued.text


def test_the_helper_is_told_of_every_step_once(helper, resident, matter, clerk):
    case = _submitted_by_helper(helper, resident, matter)
    assert not Notice.objects.filter(template="first_responsible_step").exists()

    services.case_accept(case=case, by=clerk)
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=Case.objects.get(pk=case.pk), by=clerk)
    services.case_collect(case=Case.objects.get(pk=case.pk), by=clerk)

    steps = _steps(case, not_by=helper)
    assert [e.action for e in steps] == ["accept", "conclude", "issue", "collect"]
    for step in steps:
        # As the agent (the applicant's own notice) or as first responsible: once a step.
        inbox = Notice.objects.filter(
            recipient=helper, channel="inbox", key__startswith=f"case-event:{step.pk}"
        )
        assert inbox.count() == 1, step.action


def test_a_steps_notices_are_one_insert(clerk, resident, matter):
    case = drive_case("in_review", owner=resident, clerk=clerk, matter=matter)
    reviews = list(Case.objects.get(pk=case.pk).reviews.select_related("department"))
    for review in reviews[:-1]:
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    inserts = []

    def spy(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "notices_notice"'):
            inserts.append(sql)
        return execute(sql, params, many, context)

    approver = UserFactory(approver=True, department=reviews[-1].department)
    with connection.execute_wrapper(spy):
        services.review_decide(
            review=reviews[-1], by=approver, decision="approve", opinion="同意。"
        )

    assert len(inserts) == 1
    assert Notice.objects.filter(template="case_approved").exists()
    assert Notice.objects.filter(recipient=clerk, template="first_responsible_step").count() == 1


def test_a_clerk_reassigns_with_a_recorded_reason(helper, other_helper, resident, matter, clerk):
    case = file_for(helper, resident, matter)

    answer = client_for(clerk).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": other_helper.username, "reason": "周敏休假，由吴强跟进。"},
        format="json",
    )

    # A draft is the applicant side's: the clerk sees the case once it is submitted.
    assert answer.status_code == 404
    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)

    answer = client_for(clerk).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": other_helper.username, "reason": "周敏休假，由吴强跟进。"},
        format="json",
    )

    assert answer.status_code == 200
    assert answer.json()["first_responsible"]["name"] == "吴强"
    case = Case.objects.get(pk=case.pk)
    assert case.first_responsible == other_helper
    event = case.events.get(action="first_responsible_changed")
    assert event.actor == clerk
    assert event.payload == {
        "from": helper.pk,
        "from_name": "周敏",
        "to": other_helper.pk,
        "to_name": "吴强",
        "reason": "周敏休假，由吴强跟进。",
    }
    assert "周敏" in event.note and "吴强" in event.note and "休假" in event.note
    assert Notice.objects.filter(
        recipient=other_helper, template="first_responsible_assigned", channel="inbox"
    ).exists()


def test_the_first_responsible_helper_hands_over_to_a_clerk(helper, resident, matter, clerk):
    case = file_for(helper, resident, matter)

    answer = client_for(helper).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": clerk.username, "reason": "转窗口跟进。"},
        format="json",
    )

    assert answer.status_code == 200
    assert Case.objects.get(pk=case.pk).first_responsible == clerk
    # Still the helper carrying it; no longer the one who may reassign it.
    again = client_for(helper).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": helper.username, "reason": "收回。"},
        format="json",
    )
    assert again.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "nobody", "reason": "理由"}, "username"),
        ({"username": "resident", "reason": "理由"}, "username"),
        ({"username": "helper1", "reason": "理由"}, "username"),  # already first responsible
        ({"username": "helper2", "reason": " "}, "reason"),
    ],
)
def test_a_reassignment_needs_a_staff_member_and_a_reason(
    body, field, helper, other_helper, resident, matter, clerk
):
    case = _submitted_by_helper(helper, resident, matter)

    answer = client_for(clerk).post(
        f"/api/v1/cases/{case.number}/first-responsible/", body, format="json"
    )

    assert answer.status_code == 400
    assert field in answer.json()
    assert Case.objects.get(pk=case.pk).first_responsible == helper
    assert not case.events.filter(action="first_responsible_changed").exists()


def test_the_applicant_and_others_may_not_reassign(helper, other_helper, resident, matter, clerk):
    case = _submitted_by_helper(helper, resident, matter)
    body = {"username": clerk.username, "reason": "我想换人。"}
    url = f"/api/v1/cases/{case.number}/first-responsible/"

    assert client_for(resident).post(url, body, format="json").status_code == 403
    assert client_for(other_helper).post(url, body, format="json").status_code == 404
    approver = UserFactory(approver=True)
    assert client_for(approver).post(url, body, format="json").status_code == 404
    assert Case.objects.get(pk=case.pk).first_responsible == helper


def test_a_supervisor_reassigns(helper, resident, matter, clerk):
    case = _submitted_by_helper(helper, resident, matter)

    answer = client_for(UserFactory(supervisor=True)).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": clerk.username, "reason": "督办。"},
        format="json",
    )

    assert answer.status_code == 200


def test_a_finished_case_is_not_reassigned(resident, matter, clerk):
    case = drive_case("closed", owner=resident, clerk=clerk, matter=matter)
    other = UserFactory(clerk=True)

    answer = client_for(clerk).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": other.username, "reason": "理由。"},
        format="json",
    )

    assert answer.status_code == 409
    assert Case.objects.get(pk=case.pk).first_responsible == clerk
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_a_helper_made_first_responsible_sees_the_case_and_may_hand_it_on(
    helper, other_helper, resident, matter, clerk
):
    """Answering for a case needs seeing it: the helper it is handed to opens it, finds it in
    their list and may hand it on, but does not act as the applicant's side."""
    case = file_for(helper, resident, matter)
    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)
    stranger = UserFactory(helper=True, hall=helper.hall)
    assert client_for(other_helper).get(f"/api/v1/cases/{case.number}/").status_code == 404

    client_for(clerk).post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": other_helper.username, "reason": "周敏休假，由吴强跟进。"},
        format="json",
    )

    answering = client_for(other_helper)
    assert answering.get(f"/api/v1/cases/{case.number}/").status_code == 200
    listed = [row["number"] for row in answering.get("/api/v1/cases/").json()["results"]]
    assert listed == [case.number]
    assert answering.post(f"/api/v1/cases/{case.number}/withdraw/").status_code == 403
    assert client_for(stranger).get(f"/api/v1/cases/{case.number}/").status_code == 404
    handed_back = answering.post(
        f"/api/v1/cases/{case.number}/first-responsible/",
        {"username": helper.username, "reason": "休假结束，交回周敏。"},
        format="json",
    )
    assert handed_back.status_code == 200
    assert Case.objects.get(pk=case.pk).first_responsible == helper
