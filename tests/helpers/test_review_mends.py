"""What a second reading of the helpers' and halls' work found: a confirmation that follows
the applicant, refusals by a hall that may not take the case in, the helper's own ID number
kept off residents' cases, and home-visit contacts for the arranging clerks only."""

import pytest

from cases import services
from cases.models import HelperAuthorisation
from halls.models import HallLevel
from matters.models import IntakeScope
from tests.factories import HallFactory, MatterFactory, UserFactory

from .conftest import applicant_data, client_for, file_for, upload_required

pytestmark = pytest.mark.django_db


def test_a_confirmation_does_not_carry_over_to_another_applicant(
    helper, resident, neighbour, matter
):
    case = file_for(helper, resident, matter)
    assert client_for(resident).post(f"/api/v1/cases/{case.number}/authorise/").status_code == 200
    upload_required(case, helper)

    # The helper puts the neighbour's name on the draft: the resident's word is not theirs.
    services.case_update_details(
        case=case, by=helper, applicant=services.Applicant(**_applicant(neighbour))
    )
    assert not HelperAuthorisation.objects.filter(case=case).exists()
    answer = client_for(helper).post(f"/api/v1/cases/{case.number}/submit/")
    assert answer.status_code == 400
    assert answer.json()["code"] == "authorisation_missing"


def _applicant(person) -> dict:
    data = applicant_data(person)
    return {
        "kind": data["kind"],
        "name": data["name"],
        "id_number": data["id_number"],
        "phone": data["phone"],
    }


def test_the_helpers_own_id_number_is_not_on_the_residents_case(helper, resident, matter):
    helper.id_number = "330102199001011237"
    helper.save()
    case = file_for(helper, resident, matter)
    body = client_for(resident).get(f"/api/v1/cases/{case.number}/").json()
    assert case.agent_id_number == "" and body["agent"]["id_number"] == ""
    assert helper.id_number not in str(body)


def test_a_hall_that_may_not_take_the_case_in_does_not_refuse_or_answer_it(resident, matter):
    only_centre = MatterFactory(intake_scope=IntakeScope.LEVELS, intake_min_level=HallLevel.CITY)
    case = services.case_create(
        matter=only_centre, by=resident, applicant=services.Applicant(**_applicant(resident))
    )
    upload_required(case, resident)
    services.case_submit(case=case, by=resident)
    town_clerk = UserFactory(clerk=True, hall=HallFactory(level=HallLevel.TOWN))

    reject = client_for(town_clerk).post(
        f"/api/v1/cases/{case.number}/reject/", {"reason": "不符合条件"}, format="json"
    )
    notice = client_for(town_clerk).post(
        f"/api/v1/cases/{case.number}/request-supplement/",
        {"missing": [case.materials.first().requirement_id], "note": "请补充"},
        format="json",
    )

    assert reject.status_code == 403 and reject.json()["code"] == "hall_may_not_take_in"
    assert notice.status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"


def test_home_visit_contacts_only_for_the_clerks_who_arrange_it(resident, clerk, village):
    answer = client_for(resident).post(
        "/api/v1/home-visits/",
        {
            "name": "王阿婆",
            "phone": "13857309999",
            "address": "荷花村3组12号",
            "reason": "行动不便",
            "hall": village.code,
        },
        format="json",
    )
    visit_id = answer.json()["id"]
    elsewhere = UserFactory(clerk=True, hall=HallFactory(code="far", level=HallLevel.TOWN))

    other = client_for(elsewhere).get(f"/api/v1/home-visits/{visit_id}/").json()
    arranging = client_for(clerk).get(f"/api/v1/home-visits/{visit_id}/").json()

    assert arranging["phone"] == "13857309999"
    assert other["phone"] == "138****9999" and other["address"] != "荷花村3组12号"
