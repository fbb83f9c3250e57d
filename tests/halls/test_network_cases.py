"""Where a matter can be done, in the case flow: the intake hall, the pickup hall (异地能办)
and paper on its way between halls (物料流转), through the services, the API and the desk."""

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseStatus, MaterialTransfer
from halls.models import HallLevel
from halls.selectors import city_centre
from matters.models import IntakeScope, MaterialForm
from notices.models import Notice
from tests.factories import (
    DepartmentFactory,
    HallFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
    UserFactory,
)
from tests.identities import make_id_number
from windows.services import RECEIVED, ChecklistMark, case_window_accept

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    _instance, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def housing():
    return DepartmentFactory(code="housing", name="市住房和城乡建设局")


@pytest.fixture
def matter(housing):
    """A matter any hall takes in, reviewed at the city by housing; two paper materials."""
    matter = MatterFactory(
        name="高龄津贴申领",
        lead_department=housing,
        reviewing_departments=[housing],
        delivery_methods=["pickup", "courier"],
        with_guide=False,
    )
    ProcessStepFactory(matter=matter, order=1)
    RequirementFactory(
        matter=matter, material=MaterialTypeFactory(name="居民身份证"), key=True, order=1
    )
    RequirementFactory(matter=matter, material=MaterialTypeFactory(name="户口簿"), order=2)
    return matter


@pytest.fixture
def town():
    return HallFactory(code="xinjia", name="新嘉街道便民服务中心", address="新嘉路 66 号")


@pytest.fixture
def town_clerk(town):
    return UserFactory(clerk=True, name="新嘉窗口", hall=town)


@pytest.fixture
def city_clerk():
    return UserFactory(clerk=True, name="市民中心窗口", hall=city_centre())


def applicant() -> services.Applicant:
    return services.Applicant(
        kind="person", name="王老伯", phone="13800000001", id_number=make_id_number()
    )


def window_case(clerk, matter, *, pickup: str = "") -> Case:
    return services.case_create(
        by=clerk,
        matter=matter,
        applicant=applicant(),
        delivery=services.Delivery(method="pickup", hall=pickup),
    )


def take_in(case: Case, clerk) -> Case:
    """The clerk receives every paper original and accepts (受理)."""
    marks = [
        ChecklistMark(requirement_id=m.requirement_id, state=RECEIVED, form=MaterialForm.ORIGINAL)
        for m in case.materials.all()
        if m.required
    ]
    return case_window_accept(case=case, by=clerk, marks=marks)


def decide_and_issue(case: Case, housing, clerk) -> Case:
    approver = UserFactory(approver=True, department=housing)
    for review in Case.objects.get(pk=case.pk).reviews.all():
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    return services.case_issue(case=Case.objects.get(pk=case.pk), by=clerk)


def test_taken_in_at_a_town_centre_and_collected_at_the_city_centre(
    matter, housing, town, town_clerk, city_clerk
):
    centre = city_centre()
    case = window_case(town_clerk, matter, pickup=centre.code)
    assert (case.hall, case.pickup_hall, case.pickup_chosen) == (town, centre, True)
    take_in(case, town_clerk)
    case = Case.objects.get(pk=case.pk)
    assert case.hall == town and case.status == CaseStatus.IN_REVIEW

    # The paper originals travel to the city centre, where the departments decide.
    transfer = MaterialTransfer.objects.get(case=case)
    assert (transfer.from_hall, transfer.to_hall, transfer.sent_by) == (town, centre, town_clerk)
    assert [paper["name"] for paper in transfer.materials] == ["居民身份证", "户口簿"]
    assert transfer.received_at is None

    decide_and_issue(case, housing, city_clerk)
    ready = Notice.objects.filter(template="case_ready_pickup", channel="sms").get()
    assert centre.name in ready.text and centre.address in ready.text
    assert "周一至周五" in ready.text  # the pickup hall's own hours

    # The town clerk who took it in may not hand over a result waiting at the city centre.
    with pytest.raises(services.NotPickupHallError):
        services.case_collect(case=Case.objects.get(pk=case.pk), by=town_clerk)
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.READY
    assert "collect" not in case.available_actions(town_clerk)
    assert "collect" in case.available_actions(city_clerk)
    services.case_collect(case=case, by=city_clerk)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_a_clerk_of_a_hall_that_may_not_take_the_matter_in_is_refused(
    matter, town, town_clerk, city_clerk
):
    matter.intake_scope = IntakeScope.NAMED
    matter.save()
    matter.intake_halls.set([city_centre()])
    before = Case.objects.count()
    with pytest.raises(services.HallMayNotTakeInError):
        window_case(town_clerk, matter)
    assert Case.objects.count() == before

    # By the API: 403 with its code, and nothing made.
    response = api(town_clerk).post(
        "/api/v1/cases/",
        {
            "matter": matter.code,
            "applicant": {
                "kind": "person",
                "name": "王老伯",
                "id_number": applicant().id_number,
                "phone": "13800000001",
            },
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "hall_may_not_take_in"
    assert Case.objects.count() == before

    # The city centre's clerk takes it in.
    case = window_case(city_clerk, matter)
    assert case.hall == city_centre()


def test_accepting_an_online_case_at_a_hall_that_may_not_is_refused_and_changes_nothing(
    matter, town, town_clerk, city_clerk
):
    matter.intake_scope = IntakeScope.LEVELS
    matter.intake_min_level = HallLevel.DISTRICT
    matter.save()
    citizen = UserFactory(citizen=True)
    case = services.case_create(
        by=citizen,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name=citizen.name, phone=citizen.phone, id_number=citizen.id_number
        ),
    )
    # Online and not yet accepted: no intake hall, the result waits at the city centre.
    assert case.hall is None and case.pickup_hall == city_centre() and not case.pickup_chosen
    from tests.cases.conftest import pdf

    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)
    case = Case.objects.get(pk=case.pk)
    assert "accept" not in case.available_actions(town_clerk)

    response = api(town_clerk).post(f"/api/v1/cases/{case.number}/accept/", {}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "hall_may_not_take_in"
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.SUBMITTED and case.hall is None

    response = api(city_clerk).post(f"/api/v1/cases/{case.number}/accept/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    # Accepted at the city centre: the intake hall, and the pickup the applicant left open.
    assert body["hall"] == {"code": city_centre().code, "name": city_centre().name}
    assert body["pickup_hall"]["code"] == city_centre().code
    assert body["delivery"] == {"method": "pickup", "hall": city_centre().code}
    assert body["transfers"] == []  # taken in at the city level: nothing travels


def test_an_online_pickup_left_open_follows_the_hall_that_accepts(matter, town, town_clerk):
    citizen = UserFactory(citizen=True)
    client = api(citizen)
    response = client.post(
        "/api/v1/cases/",
        {"matter": matter.code, "delivery": {"method": "pickup", "hall": "nowhere"}},
        format="json",
    )
    assert response.status_code == 400
    assert "delivery.hall" in str(response.json())
    response = client.post(
        "/api/v1/cases/", {"matter": matter.code, "delivery": {"method": "pickup"}}, format="json"
    )
    number = response.json()["number"]
    case = Case.objects.get(number=number)
    from tests.cases.conftest import pdf

    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)
    services.case_accept(case=case, by=town_clerk)
    case = Case.objects.get(pk=case.pk)
    assert (case.hall, case.pickup_hall) == (town, town)
    # Uploaded online: no paper travels.
    assert not MaterialTransfer.objects.filter(case=case).exists()


def test_transfers_are_received_by_the_receiving_hall_once(
    matter, town, town_clerk, city_clerk, client
):
    case = take_in(window_case(town_clerk, matter), town_clerk)
    transfer = MaterialTransfer.objects.get(case=case)

    # On the case, for the applicant and staff alike.
    body = api(city_clerk).get(f"/api/v1/cases/{case.number}/").json()
    assert body["transfers"][0]["from_hall"]["code"] == town.code
    assert body["transfers"][0]["to_hall"]["code"] == city_centre().code
    assert body["transfers"][0]["received"] is False
    assert [p["name"] for p in body["transfers"][0]["materials"]] == ["居民身份证", "户口簿"]

    # The receiving hall's list; the sending hall has nothing to receive.
    assert [row["id"] for row in api(city_clerk).get("/api/v1/transfers/").json()] == [transfer.pk]
    assert api(town_clerk).get("/api/v1/transfers/").json() == []
    assert api(UserFactory(citizen=True)).get("/api/v1/transfers/").status_code == 403

    # Only the receiving hall's clerk marks it received, and only once.
    response = api(town_clerk).post(f"/api/v1/transfers/{transfer.pk}/receive/")
    assert response.status_code == 403 and response.json()["code"] == "not_receiving_hall"
    transfer.refresh_from_db()
    assert transfer.received_at is None
    response = api(city_clerk).post(f"/api/v1/transfers/{transfer.pk}/receive/")
    assert response.status_code == 200, response.content
    assert response.json()["received"] is True
    response = api(city_clerk).post(f"/api/v1/transfers/{transfer.pk}/receive/")
    assert response.status_code == 409
    assert response.json()["code"] == "transfer_already_received"
    transfer.refresh_from_db()
    assert transfer.received_by == city_clerk
    actions = list(case.events.values_list("action", flat=True))
    assert "transfer_sent" in actions and "transfer_received" in actions
    assert api(city_clerk).get("/api/v1/transfers/").json() == []


def test_the_desk_shows_pending_transfers_with_their_age_and_receives_them(
    matter, town, town_clerk, city_clerk, client, django_assert_max_num_queries
):
    cases = [take_in(window_case(town_clerk, matter), town_clerk) for _ in range(3)]
    client.force_login(city_clerk)
    home = reverse("windows:desk-home")
    response = client.get(home)
    assert response.status_code == 200
    page = response.content.decode()
    assert "待接收材料" in page
    for case in cases:
        assert case.number in page
    assert town.name in page

    # Constant queries: one more pending transfer costs nothing.
    with django_assert_max_num_queries(40) as captured:
        client.get(home)
    take_in(window_case(town_clerk, matter), town_clerk)
    with django_assert_max_num_queries(len(captured)):
        client.get(home)

    transfer = MaterialTransfer.objects.filter(case=cases[0]).get()
    # Another hall's clerk is refused on the desk too: nothing changes.
    client.force_login(town_clerk)
    response = client.post(reverse("windows:transfer-receive", args=[transfer.pk]), follow=True)
    assert "只能由该网点的工作人员接收" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.received_at is None
    client.force_login(city_clerk)
    response = client.post(reverse("windows:transfer-receive", args=[transfer.pk]))
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.received_by == city_clerk


def test_the_desk_refuses_a_new_case_its_hall_may_not_take_in_keeping_the_form(
    matter, town, town_clerk, client
):
    matter.intake_scope = IntakeScope.NAMED
    matter.save()
    matter.intake_halls.set([city_centre()])
    client.force_login(town_clerk)
    url = reverse("windows:case-new") + f"?matter={matter.code}"
    person = applicant()
    response = client.post(
        url,
        {
            "kind": "person",
            "name": "王老伯",
            "id_number": person.id_number,
            "phone": "13800000001",
            "delivery_method": "pickup",
            "pickup_hall": town.code,
        },
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "不能受理" in page and person.id_number in page
    assert not Case.objects.exists()


def test_the_desk_collects_only_at_the_pickup_hall(
    matter, housing, town, town_clerk, city_clerk, client
):
    case = take_in(window_case(town_clerk, matter, pickup=town.code), town_clerk)
    decide_and_issue(case, housing, town_clerk)
    client.force_login(city_clerk)
    page = client.get(reverse("windows:case-intake", args=[case.number])).content.decode()
    assert "data-other-pickup-hall" in page and town.name in page
    response = client.post(reverse("windows:case-collect", args=[case.number]))
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.READY
    client.force_login(town_clerk)
    response = client.post(reverse("windows:case-collect", args=[case.number]))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_the_new_case_form_offers_the_pickup_hall(matter, town, town_clerk, client):
    client.force_login(town_clerk)
    page = client.get(reverse("windows:case-new") + f"?matter={matter.code}").content.decode()
    assert 'name="pickup_hall"' in page
    assert f'value="{town.code}" selected' in page
    assert city_centre().name in page


def test_the_case_page_shows_the_intake_and_pickup_halls_and_the_transfers(
    matter, town, town_clerk, client
):
    owner = UserFactory(citizen=True)
    case = services.case_create(
        by=town_clerk,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name=owner.name, phone=owner.phone, id_number=owner.id_number
        ),
        delivery=services.Delivery(method="pickup", hall=city_centre().code),
    )
    take_in(case, town_clerk)
    client.force_login(owner)
    page = client.get(reverse("cases:case-detail", args=[case.number])).content.decode()
    assert "受理网点" in page and town.name in page
    assert "领取网点" in page and city_centre().name in page
    assert "纸质材料流转" in page


def test_papers_carry_the_intake_halls_name_address_and_phone(matter, town, town_clerk):
    from documents.models import Document

    case = take_in(window_case(town_clerk, matter, pickup=city_centre().code), town_clerk)
    receipt = Document.objects.get(case=case, kind="receipt")
    assert receipt.context["hall"] == town.name
    assert receipt.context["hall_address"] == town.address
    assert receipt.context["hall_phone"] == town.phone
    assert receipt.context["pickup_hall"] == city_centre().name


def test_papers_fall_back_to_the_city_centre_before_any_hall_took_the_case_in(matter):
    from documents.services.papers import _base_context

    citizen = UserFactory(citizen=True)
    case = services.case_create(
        by=citizen,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name=citizen.name, phone=citizen.phone, id_number=citizen.id_number
        ),
    )
    context = _base_context(Case.objects.get(pk=case.pk), "one_time_notice")
    assert context["hall"] == city_centre().name
    assert context["hall_address"] == (city_centre().address or context["hall_address"])


def test_the_desk_lists_results_to_hand_over_at_its_own_hall_only(
    matter, housing, town, town_clerk, city_clerk, client
):
    """统一出件: results still to issue are every hall's; a result waiting to be collected is
    listed only at the hall it waits at, never at another hall that may not hand it over."""
    case = take_in(window_case(town_clerk, matter, pickup=town.code), town_clerk)
    decide_and_issue(case, housing, town_clerk)

    def handover_panel(clerk) -> str:
        client.force_login(clerk)
        page = client.get(reverse("windows:desk-home")).content.decode()
        start = page.index('aria-labelledby="handover-title"')
        return page[start : page.index("</section>", start)]

    assert case.number in handover_panel(town_clerk)
    assert case.number not in handover_panel(city_clerk)
