"""上门代办: a request (online or by phone), a helper assigned or taking it on, the case filed
on the spot, zero trips for the resident; contacts masked for those who do not need them."""

import pytest

from cases import services
from cases.exceptions import CasePermissionError
from cases.models import Case, CaseStatus, Visit
from helpers.models import HomeVisit
from notices.models import Notice
from tests.cases.conftest import pdf
from tests.factories import UserFactory

from .conftest import applicant_data, client_for, counted_queries, upload_required

pytestmark = pytest.mark.django_db

ADDRESS = "新嘉街道荷花村3组12号"


def _ask(user, **extra):
    body = {
        "name": "王阿婆",
        "phone": "13857309999",
        "address": ADDRESS,
        "reason": "八十五岁，行动不便。",
        **extra,
    }
    return client_for(user).post("/api/v1/home-visits/", body, format="json")


def test_a_resident_asks_online_and_sees_the_status(resident, matter, village):
    answer = _ask(resident, matter=matter.code, hall="hehua")

    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "requested" and body["channel"] == "online"
    assert body["phone"] == "13857309999" and body["address"] == ADDRESS
    assert body["hall"] == {"code": "hehua", "name": "荷花村代办点"}
    assert body["matter"]["code"] == matter.code
    listed = client_for(resident).get("/api/v1/home-visits/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert listed[0]["status_label"] == "待指派代办员"


def test_a_clerk_records_a_phone_request_for_their_hall(clerk, village):
    clerk.hall = village
    clerk.save()

    answer = _ask(clerk)

    assert answer.status_code == 201
    visit = HomeVisit.objects.get()
    assert (visit.channel, visit.hall, visit.requested_by) == ("phone", village, clerk)


@pytest.mark.parametrize("role", ["helper", "approver", "supervisor"])
def test_others_do_not_ask(role):
    assert _ask(UserFactory(**{role: True})).status_code == 403
    assert not HomeVisit.objects.exists()


def test_a_request_says_who_where_and_why(resident):
    answer = _ask(resident, phone="12345", address="荷花村", reason=" ")

    assert answer.status_code == 400
    assert {"phone", "address", "reason"} <= set(answer.json())


def test_a_clerk_assigns_a_helper_and_both_sides_are_told(resident, clerk, helper):
    visit_id = _ask(resident).json()["id"]

    answer = client_for(clerk).post(
        f"/api/v1/home-visits/{visit_id}/assign/", {"helper": helper.username}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json()["status"] == "assigned"
    assert answer.json()["helper"] == {"name": "周敏", "phone": helper.phone}
    assert Notice.objects.filter(recipient=helper, template="home_visit_assigned").exists()
    told = Notice.objects.get(recipient=resident, template="home_visit_helper_coming")
    assert "周敏" in told.text
    mine = client_for(helper).get("/api/v1/home-visits/").json()["results"]
    assert mine[0]["phone"] == "13857309999" and mine[0]["address"] == ADDRESS


def test_only_clerks_and_supervisors_assign(resident, helper, clerk):
    visit_id = _ask(resident).json()["id"]
    url = f"/api/v1/home-visits/{visit_id}/assign/"

    assert client_for(resident).post(url, {"helper": "helper1"}, format="json").status_code == 403
    assert client_for(clerk).post(url, {"helper": "resident"}, format="json").status_code == 400
    assert HomeVisit.objects.get().status == "requested"
    supervisor = UserFactory(supervisor=True)
    assert client_for(supervisor).post(url, {"helper": "helper1"}, format="json").status_code == 200


def test_a_helper_takes_on_a_request_of_their_hall(resident, helper, village, other_village):
    here = _ask(resident, hall="hehua").json()["id"]
    elsewhere = _ask(resident, hall="zhulin").json()["id"]

    taken = client_for(helper).post(f"/api/v1/home-visits/{here}/take/")
    refused = client_for(helper).post(f"/api/v1/home-visits/{elsewhere}/take/")

    assert taken.status_code == 200 and taken.json()["helper"]["name"] == "周敏"
    assert refused.status_code == 404  # another hall's area: not theirs to see
    again = client_for(helper).post(f"/api/v1/home-visits/{here}/take/")
    assert again.status_code == 409


def test_contacts_are_masked_for_those_who_do_not_need_them(
    resident, helper, other_helper, clerk, village
):
    visit_id = _ask(resident, hall="hehua").json()["id"]

    waiting = client_for(other_helper).get("/api/v1/home-visits/").json()["results"][0]
    in_list = client_for(clerk).get("/api/v1/home-visits/").json()["results"][0]
    on_request = client_for(clerk).get(f"/api/v1/home-visits/{visit_id}/").json()
    overseen = (
        client_for(UserFactory(supervisor=True)).get(f"/api/v1/home-visits/{visit_id}/").json()
    )

    assert waiting["phone"] == "138****9999" and waiting["address"] == "新嘉街道荷花****"
    assert waiting["name"] == "王**"
    assert in_list["phone"] == "138****9999"
    assert on_request["phone"] == "13857309999" and on_request["address"] == ADDRESS
    assert overseen["phone"] == "138****9999"


def test_the_list_costs_the_same_for_many_requests(resident, clerk):
    _ask(resident)
    client = client_for(clerk)
    client.get("/api/v1/home-visits/")  # the clerk's roles, read once per user object
    with counted_queries() as few:
        client.get("/api/v1/home-visits/")
    for _ in range(4):
        _ask(resident)
    with counted_queries() as many:
        rows = client.get("/api/v1/home-visits/").json()["results"]
    assert len(rows) == 5
    assert many["n"] == few["n"] <= 4


def test_a_visit_files_on_the_spot_and_the_resident_makes_no_trip(
    resident, helper, clerk, matter, village
):
    visit_id = _ask(resident, matter=matter.code, hall="hehua").json()["id"]
    client_for(helper).post(f"/api/v1/home-visits/{visit_id}/take/")

    filed = client_for(helper).post(
        f"/api/v1/home-visits/{visit_id}/file/",
        {"applicant": applicant_data(resident)},
        format="json",
    )

    assert filed.status_code == 201
    body = filed.json()
    assert body["home_visit"] is True and body["helper"]["name"] == "周敏"
    assert body["matter"]["code"] == matter.code
    assert body["hall"]["code"] == "hehua"
    visit = HomeVisit.objects.get(pk=visit_id)
    assert visit.status == "filed" and visit.case.number == body["number"]
    assert (
        client_for(resident).get(f"/api/v1/home-visits/{visit_id}/").json()["case"]
        == (body["number"])
    )
    # Signed 委托书 on the spot, then through to the result, collected by the helper.
    case = Case.objects.get(number=body["number"])
    upload_required(case, helper)
    services.material_upload(case=case, by=helper, requirement_id=None, upload=pdf())
    services.case_submit(case=case, by=helper)
    services.case_accept(case=case, by=clerk)
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=Case.objects.get(pk=case.pk), by=clerk)
    services.case_collect(case=Case.objects.get(pk=case.pk), by=clerk)
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CLOSED
    assert case.trip_count == 0 and not Visit.objects.filter(case=case).exists()
    assert client_for(resident).get(f"/api/v1/cases/{case.number}/").json()["trips"] == 0


def test_only_the_assigned_helper_files_and_only_once(resident, helper, other_helper, matter):
    visit_id = _ask(resident, matter=matter.code, hall="hehua").json()["id"]
    url = f"/api/v1/home-visits/{visit_id}/file/"
    body = {"applicant": applicant_data(resident)}

    before = client_for(helper).post(url, body, format="json")
    client_for(helper).post(f"/api/v1/home-visits/{visit_id}/take/")
    other = client_for(other_helper).post(url, body, format="json")
    first = client_for(helper).post(url, body, format="json")
    second = client_for(helper).post(url, body, format="json")

    assert before.status_code == 403  # not assigned yet
    assert other.status_code == 404  # assigned to another: not theirs to see
    assert first.status_code == 201
    assert second.status_code == 409
    assert Case.objects.count() == 1


def test_only_helpers_file_on_a_home_visit(resident, matter):
    with pytest.raises(CasePermissionError):
        services.case_create(
            by=resident,
            matter=matter,
            applicant=services.Applicant(
                kind="person",
                name=resident.name,
                phone=resident.phone,
                id_number=resident.id_number,
            ),
            home_visit=True,
        )
