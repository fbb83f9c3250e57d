"""A helper (代办员) files for a resident who asks, with the resident's authorisation, and
carries the case to the end (全程代办); who sees the case."""

import pytest

from cases import services
from cases.models import Case, CaseEvent, CaseStatus, HelperAuthorisation, Visit
from halls.models import HallLevel
from halls.selectors import city_centre
from matters.models import IntakeScope
from tests.cases.conftest import pdf, requirement
from tests.factories import (
    HallFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
    UserFactory,
)

from .conftest import applicant_data, client_for, counted_queries, file_for, upload_required

pytestmark = pytest.mark.django_db


def test_a_helper_files_for_a_resident_as_the_agent_at_their_hall(helper, resident, matter):
    answer = client_for(helper).post(
        "/api/v1/cases/",
        {"matter": matter.code, "applicant": applicant_data(resident)},
        format="json",
    )

    assert answer.status_code == 201
    body = answer.json()
    assert body["applicant"]["id_number"] == resident.id_number
    assert body["agent"] == {"name": "周敏", "id_number": "", "phone": helper.phone}
    assert body["hall"] == {"code": "hehua", "name": "荷花村代办点"}
    assert body["helper"]["name"] == "周敏"
    assert body["first_responsible"] == {
        "name": "周敏",
        "hall": {"code": "hehua", "name": "荷花村代办点"},
        "phone": "0571-23456",
    }
    assert body["helper_authorisation"] is None
    case = Case.objects.get(number=body["number"])
    assert (case.helper, case.owner, case.first_responsible) == (helper, resident, helper)
    assert case.channel == "online" and not case.home_visit


def test_the_agent_given_by_a_helper_is_always_the_helper(helper, resident, matter):
    answer = client_for(helper).post(
        "/api/v1/cases/",
        {
            "matter": matter.code,
            "applicant": applicant_data(resident),
            "agent": {"name": "别人", "id_number": resident.id_number, "phone": resident.phone},
        },
        format="json",
    )

    assert answer.status_code == 201
    assert answer.json()["agent"]["name"] == "周敏"


def test_a_helper_must_name_the_resident(helper, matter):
    answer = client_for(helper).post("/api/v1/cases/", {"matter": matter.code}, format="json")

    assert answer.status_code == 400
    assert "applicant" in answer.json()


def test_a_hall_that_may_not_take_the_matter_in_refuses_the_helper(helper, resident, matter):
    matter.intake_scope = IntakeScope.LEVELS
    matter.intake_min_level = HallLevel.TOWN
    matter.save()

    answer = client_for(helper).post(
        "/api/v1/cases/",
        {"matter": matter.code, "applicant": applicant_data(resident)},
        format="json",
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "not_taken_in_here"
    assert "荷花村代办点" in answer.json()["detail"]
    assert not Case.objects.exists()


def test_a_helper_without_a_hall_files_nothing(resident, matter):
    helper = UserFactory(helper=True, hall=None)

    answer = client_for(helper).post(
        "/api/v1/cases/",
        {"matter": matter.code, "applicant": applicant_data(resident)},
        format="json",
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "helper_without_hall"


@pytest.mark.parametrize("role", ["approver", "supervisor"])
def test_other_staff_do_not_file_as_helpers(role, resident, matter):
    answer = client_for(UserFactory(**{role: True})).post(
        "/api/v1/cases/",
        {"matter": matter.code, "applicant": applicant_data(resident)},
        format="json",
    )

    assert answer.status_code == 403
    assert not Case.objects.exists()


def test_a_citizen_filing_for_another_is_not_a_helper(neighbour, resident, matter):
    answer = client_for(neighbour).post(
        "/api/v1/cases/",
        {"matter": matter.code, "applicant": applicant_data(resident)},
        format="json",
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "applicant_not_account"


def test_submission_without_the_residents_authorisation_is_refused(helper, resident, matter):
    case = file_for(helper, resident, matter)
    upload_required(case, helper)

    answer = client_for(helper).post(f"/api/v1/cases/{case.number}/submit/")

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "authorisation_missing"
    assert "授权委托书" in body["detail"] and "在线确认" in body["detail"]
    assert body["missing"][-1]["requirement"] is None
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DRAFT


def test_the_refusal_names_the_missing_materials_too(helper, resident, matter):
    case = file_for(helper, resident, matter)

    answer = client_for(helper).post(f"/api/v1/cases/{case.number}/submit/")

    assert answer.status_code == 400
    assert answer.json()["code"] == "authorisation_missing"
    names = [row["name"] for row in answer.json()["missing"]]
    assert names[0] == "居民身份证" and "授权委托书" in names[-1]


def test_a_helper_submits_with_the_signed_power_of_attorney(helper, resident, matter):
    """The guide lists the 委托书 (conditional): uploaded as ``material: power-of-attorney``."""
    case = file_for(helper, resident, matter)
    upload_required(case, helper)
    client = client_for(helper)

    uploaded = client.post(
        f"/api/v1/cases/{case.number}/materials/",
        {"material": "power-of-attorney", "file": pdf("委托书.pdf")},
        format="multipart",
    )
    submitted = client.post(f"/api/v1/cases/{case.number}/submit/")

    assert uploaded.status_code == 201
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"


def test_the_power_of_attorney_is_offered_when_the_guide_lacks_it(helper, resident, housing):
    plain = MatterFactory(name="老年优待证办理", lead_department=housing, with_guide=False)
    RequirementFactory(matter=plain, material=MaterialTypeFactory(name="户口簿"), order=1)
    case = file_for(helper, resident, plain)
    attorney = case.materials.get(material_type__code="power-of-attorney")
    assert attorney.requirement is None and not attorney.required

    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)

    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_the_resident_confirms_online_and_the_helper_submits(helper, resident, matter):
    case = file_for(helper, resident, matter)
    upload_required(case, helper)

    confirmed = client_for(resident).post(f"/api/v1/cases/{case.number}/authorise/")
    submitted = client_for(helper).post(f"/api/v1/cases/{case.number}/submit/")

    assert confirmed.status_code == 200
    assert confirmed.json()["helper_authorisation"]["given_at"]
    given = HelperAuthorisation.objects.get(case=case)
    assert given.given_by == resident
    event = case.events.get(action="helper_authorised")
    assert event.actor == resident and "周敏" in event.note
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_confirming_twice_records_it_once(helper, resident, matter):
    case = file_for(helper, resident, matter)
    client = client_for(resident)

    client.post(f"/api/v1/cases/{case.number}/authorise/")
    again = client.post(f"/api/v1/cases/{case.number}/authorise/")

    assert again.status_code == 200
    assert case.events.filter(action="helper_authorised").count() == 1


def test_only_the_resident_confirms_the_authorisation(
    helper, other_helper, resident, neighbour, clerk, matter
):
    case = file_for(helper, resident, matter)

    by_helper = client_for(helper).post(f"/api/v1/cases/{case.number}/authorise/")
    by_neighbour = client_for(neighbour).post(f"/api/v1/cases/{case.number}/authorise/")
    by_other_helper = client_for(other_helper).post(f"/api/v1/cases/{case.number}/authorise/")

    assert by_helper.status_code == 403
    assert by_helper.json()["code"] == "not_applicant"
    # Neither sees the case at all.
    assert by_neighbour.status_code == 404
    assert by_other_helper.status_code == 404
    upload_required(case, helper)
    client_for(resident).post(f"/api/v1/cases/{case.number}/authorise/")
    services.case_submit(case=case, by=helper)
    by_clerk = client_for(clerk).post(f"/api/v1/cases/{case.number}/authorise/")
    assert by_clerk.status_code == 403
    assert not HelperAuthorisation.objects.filter(given_by__in=[helper, clerk]).exists()


def test_a_case_without_a_helper_needs_no_authorisation(resident, matter):
    case = services.case_create(
        by=resident,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name=resident.name, phone=resident.phone, id_number=resident.id_number
        ),
    )

    answer = client_for(resident).post(f"/api/v1/cases/{case.number}/authorise/")

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_helper_case"


def test_the_authorisation_is_not_given_after_acceptance(helper, resident, matter, clerk):
    case = file_for(helper, resident, matter)
    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)
    services.case_accept(case=case, by=clerk)

    answer = client_for(resident).post(f"/api/v1/cases/{case.number}/authorise/")

    assert answer.status_code == 409
    assert answer.json()["code"] == "invalid_transition"


def test_a_helpers_case_is_seen_by_the_resident_and_the_helper_only(
    client, helper, other_helper, resident, neighbour, matter
):
    case = file_for(helper, resident, matter)
    url = f"/api/v1/cases/{case.number}/"

    assert client_for(resident).get(url).status_code == 200
    assert client_for(helper).get(url).status_code == 200
    assert client_for(neighbour).get(url).status_code == 404
    assert client_for(other_helper).get(url).status_code == 404
    mine = client_for(resident).get("/api/v1/cases/").json()["results"]
    assert [row["number"] for row in mine] == [case.number]
    assert client_for(neighbour).get("/api/v1/cases/").json()["results"] == []
    assert client_for(other_helper).get("/api/v1/cases/").json()["results"] == []
    # The files too.
    stored = services.material_upload(
        case=case, by=helper, requirement_id=requirement(case, "居民身份证"), upload=pdf()
    )
    file_url = f"/cases/{case.number}/files/{stored.pk}/"
    for person, seen in ((resident, 200), (helper, 200), (other_helper, 404), (neighbour, 404)):
        client.force_login(person)
        assert client.get(file_url).status_code == seen, person


def test_staff_see_a_helpers_case_as_any_online_case(helper, resident, matter, clerk):
    case = file_for(helper, resident, matter)
    url = f"/api/v1/cases/{case.number}/"
    assert client_for(clerk).get(url).status_code == 404  # a draft is the applicant side's

    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)

    assert client_for(clerk).get(url).status_code == 200


def test_the_resident_sees_the_case_in_their_own_account(
    client, helper, resident, matter, password
):
    case = file_for(helper, resident, matter)
    client.force_login(resident)

    listed = client.get("/my/cases/")
    page = client.get(f"/my/cases/{case.number}/")

    assert case.number in listed.content.decode()
    assert page.status_code == 200
    assert "确认委托代办员办理" in page.content.decode()


def test_a_helpers_list_is_the_cases_they_carry(
    helper, other_helper, resident, neighbour, matter, clerk
):
    carried = [file_for(helper, resident, matter) for _ in range(2)]
    file_for(other_helper, neighbour, matter)
    services.case_create(
        by=clerk,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name=neighbour.name, phone=neighbour.phone, id_number=neighbour.id_number
        ),
        channel="window",
    )
    client = client_for(helper)

    with counted_queries() as few:
        rows = client.get("/api/v1/cases/").json()["results"]
    carried += [file_for(helper, neighbour, matter) for _ in range(3)]
    with counted_queries() as many:
        more = client.get("/api/v1/cases/").json()["results"]

    assert {row["number"] for row in rows} == {c.number for c in carried[:2]}
    assert {row["number"] for row in more} == {c.number for c in carried}
    assert many["n"] == few["n"] <= 4


def _carried_to_ready(helper, resident, matter, clerk):
    case = file_for(helper, resident, matter)
    upload_required(case, helper)
    client_for(resident).post(f"/api/v1/cases/{case.number}/authorise/")
    services.case_submit(case=case, by=helper)
    services.case_accept(case=case, by=clerk)
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=Case.objects.get(pk=case.pk), by=clerk)
    return Case.objects.get(pk=case.pk)


def test_the_helper_supplies_what_is_asked_and_resubmits(helper, resident, matter, clerk):
    case = file_for(helper, resident, matter)
    services.material_upload(
        case=case, by=helper, requirement_id=requirement(case, "居民身份证"), upload=pdf()
    )
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)
    services.case_request_supplement(
        case=case, by=clerk, missing=[requirement(case, "完税凭证")], note="请补交。"
    )
    client = client_for(helper)

    uploaded = client.post(
        f"/api/v1/cases/{case.number}/materials/",
        {"requirement": requirement(case, "完税凭证"), "file": pdf()},
        format="multipart",
    )
    resubmitted = client.post(f"/api/v1/cases/{case.number}/resubmit/")

    assert uploaded.status_code == 201
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"
    assert Case.objects.get(pk=case.pk).trip_count == 0


def test_the_helper_collects_for_the_resident_no_trip_of_theirs(helper, resident, matter, clerk):
    case = _carried_to_ready(helper, resident, matter, clerk)

    services.case_collect(case=case, by=clerk)

    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CLOSED
    assert case.trip_count == 0 and not Visit.objects.filter(case=case).exists()
    assert "代为领取" in case.events.get(action="collect").note


def test_the_helper_does_not_rate_the_case_the_resident_does(helper, resident, matter, clerk):
    case = _carried_to_ready(helper, resident, matter, clerk)
    services.case_collect(case=case, by=clerk)

    by_helper = client_for(helper).post(f"/api/v1/cases/{case.number}/rating/", {"score": 5})
    by_resident = client_for(resident).post(f"/api/v1/cases/{case.number}/rating/", {"score": 5})

    assert by_helper.status_code == 403
    assert by_resident.status_code == 200


def test_the_audit_trail_names_the_helper_role(helper, resident, matter):
    case = file_for(helper, resident, matter)

    assert CaseEvent.objects.get(case=case, action="create").actor_role == "helper"


def test_a_point_without_windows_sends_the_result_to_the_nearest_hall_with_them(resident, matter):
    town = HallFactory(code="qiaosi", name="乔司街道便民服务中心")
    point = HallFactory(
        code="fangjia",
        level=HallLevel.VILLAGE,
        parent=town,
        has_windows=False,
        has_queue=False,
    )
    helper = UserFactory(helper=True, hall=point)

    case = file_for(helper, resident, matter)

    # Nobody at the point hands results over: the town centre above it does, unless named.
    assert (case.hall, case.pickup_hall, case.pickup_chosen) == (point, town, False)
    town.has_windows = town.has_queue = False
    town.save()
    assert file_for(helper, resident, matter).pickup_hall == city_centre()
