"""Who may act for whom, through the API: the online applicant is the account holder (or its
declared agent with a power of attorney), window cases belong to the applicant's account,
online drafts are the applicant's alone, only the applicant rates, supervisors see masks."""

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Case, FollowUp, Rating
from notices.models import Notice
from tests.cases.conftest import applicant_of, pdf, requirement
from tests.factories import LicenceTypeFactory, MatterFactory, UserFactory

CASES = "/api/v1/cases/"
LICENCES = "/api/v1/licences/"


def url(case: Case, action: str = "") -> str:
    return f"{CASES}{case.number}/" + (f"{action}/" if action else "")


def person_body(user) -> dict:
    return {"kind": "person", "name": user.name, "phone": user.phone, "id_number": user.id_number}


def agent_body(user) -> dict:
    return {"name": user.name, "id_number": user.id_number, "phone": user.phone}


@pytest.fixture
def stranger(db):
    """Someone with an account of their own, whom ``citizen`` is not."""
    return UserFactory(citizen=True, name="周五")


# An online applicant is the account holder ------------------------------------------------


def test_an_account_cannot_apply_for_another_persons_identity(
    client_for, citizen, stranger, matter
):
    response = client_for(citizen).post(
        CASES, {"matter": matter.code, "applicant": person_body(stranger)}, format="json"
    )

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "applicant_not_account"
    assert not Case.objects.exists()


def test_a_company_applies_only_for_its_own_credit_code(client_for, company, matter):
    other = UserFactory(company=True, name="另一家公司")
    body = {"kind": "company", "name": other.name, "phone": company.phone}

    foreign = client_for(company).post(
        CASES,
        {"matter": matter.code, "applicant": {**body, "credit_code": other.credit_code}},
        format="json",
    )
    own = client_for(company).post(
        CASES,
        {
            "matter": matter.code,
            "applicant": {**body, "name": company.name, "credit_code": company.credit_code},
        },
        format="json",
    )

    assert foreign.status_code == 403 and foreign.json()["code"] == "applicant_not_account"
    assert own.status_code == 201, own.content
    assert Case.objects.get().owner == company


def test_a_person_applies_for_its_own_identity_and_owns_the_case(client_for, citizen, matter):
    response = client_for(citizen).post(
        CASES, {"matter": matter.code, "applicant": person_body(citizen)}, format="json"
    )

    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.owner, case.created_by, case.channel) == (citizen, citizen, "online")
    # No agent: no power of attorney asked beyond what the guide says (conditional here).
    assert not case.materials.get(material_type__code="power-of-attorney").required


def test_the_declared_agent_must_be_the_account_itself(client_for, citizen, stranger, matter):
    someone = UserFactory(citizen=True, name="钱六")

    response = client_for(citizen).post(
        CASES,
        {"matter": matter.code, "applicant": person_body(stranger), "agent": agent_body(someone)},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "agent_not_account"
    assert not Case.objects.exists()


def test_an_agent_files_with_a_power_of_attorney_and_the_applicant_sees_the_case(
    client_for, citizen, stranger, matter
):
    agent = client_for(citizen)
    response = agent.post(
        CASES,
        {"matter": matter.code, "applicant": person_body(stranger), "agent": agent_body(citizen)},
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.owner, case.created_by) == (stranger, citizen)
    letter = case.materials.get(material_type__code="power-of-attorney")
    assert letter.required and not letter.deferrable

    agent.post(
        url(case, "materials"),
        {"requirement": requirement(case, "居民身份证"), "file": pdf()},
        format="multipart",
    )
    refused = agent.post(url(case, "submit"))
    assert refused.status_code == 400
    assert refused.json()["code"] == "materials_missing"
    assert "授权委托书" in refused.json()["detail"]
    assert Case.objects.get().status == "draft"

    agent.post(
        url(case, "materials"),
        {"requirement": letter.requirement_id, "file": pdf("委托书.pdf")},
        format="multipart",
    )
    assert agent.post(url(case, "submit")).status_code == 200

    # The applicant's own account sees it: list, detail and its files.
    applicant = client_for(stranger)
    listed = applicant.get(CASES).json()["results"]
    assert [row["number"] for row in listed] == [case.number]
    detail = applicant.get(url(case))
    assert detail.status_code == 200
    files = [f["url"] for m in detail.json()["materials"] for f in m["files"]]
    assert files
    # The agent keeps access as the filer.
    assert agent.get(url(case)).status_code == 200


def test_the_power_of_attorney_is_added_when_the_guide_does_not_list_it(
    client_for, citizen, stranger, housing
):
    matter = MatterFactory(lead_department=housing)  # one key requirement, no 委托书
    agent = client_for(citizen)
    response = agent.post(
        CASES,
        {"matter": matter.code, "applicant": person_body(stranger), "agent": agent_body(citizen)},
        format="json",
    )
    assert response.status_code == 201, response.content
    materials = {m["material"]: m for m in response.json()["materials"]}
    letter = materials["power-of-attorney"]
    assert (letter["requirement"], letter["required"], letter["name"]) == (None, True, "授权委托书")
    case = Case.objects.get()
    key = next(m["requirement"] for m in materials.values() if m["requirement"])
    agent.post(url(case, "materials"), {"requirement": key, "file": pdf()}, format="multipart")

    missing = agent.post(url(case, "submit")).json()
    assert missing["missing"] == [{"requirement": None, "name": "授权委托书"}]

    uploaded = agent.post(
        url(case, "materials"), {"material": "power-of-attorney", "file": pdf()}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.content
    assert agent.post(url(case, "submit")).status_code == 200


def test_an_upload_names_a_requirement_or_the_power_of_attorney(client_for, citizen, matter):
    case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    client = client_for(citizen)

    neither = client.post(url(case, "materials"), {"file": pdf()}, format="multipart")
    unknown = client.post(
        url(case, "materials"), {"material": "id-card", "file": pdf()}, format="multipart"
    )
    absent = client.post(
        url(case, "materials"), {"material": "power-of-attorney", "file": pdf()}, format="multipart"
    )

    assert neither.status_code == 400 and "requirement" in neither.json()
    assert unknown.status_code == 400
    # This case has the guide's (conditional) letter: it has a requirement, not a null one.
    assert absent.status_code == 400


def test_licences_go_to_the_applicant_never_to_the_agent(client_for, citizen, stranger, housing):
    from documents.services import licence_issue

    licence_type = LicenceTypeFactory(code="shop", name="经营许可证", valid_years=5)
    matter = MatterFactory(lead_department=housing, result_licence_type=licence_type)
    case = services.case_create(
        by=citizen,
        matter=matter,
        applicant=applicant_of(stranger),
        agent=services.Agent(name=citizen.name, id_number=citizen.id_number, phone=citizen.phone),
    )
    (licence,) = licence_issue(case=case)
    assert licence.holder_id == stranger.id_number

    assert client_for(citizen).get(LICENCES).json()["results"] == []
    held = client_for(stranger).get(LICENCES).json()["results"]
    assert [row["number"] for row in held] == [licence.number]


# Window cases belong to the applicant --------------------------------------------------------


def test_a_window_case_shows_in_the_applicants_account_with_its_messages(
    client_for, clerk, citizen, matter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
        for material in case.materials.filter(required=True):
            services.material_upload(
                case=case, by=clerk, requirement_id=material.requirement_id, upload=pdf()
            )
        services.case_submit(case=case, by=clerk)
        services.case_accept(case=case, by=clerk)

    client = client_for(citizen)
    assert [row["number"] for row in client.get(CASES).json()["results"]] == [case.number]
    assert client.get(url(case)).status_code == 200
    inbox = Notice.objects.filter(recipient=citizen, channel="inbox")
    assert {n.template for n in inbox} >= {"case_submitted", "case_accepted"}
    messages = client.get("/api/v1/notices/").json()["results"]
    assert messages


def test_a_window_case_for_someone_without_an_account_belongs_to_nobody(clerk, matter):
    walk_in = services.Applicant(
        kind="person", name="孙八", phone="13900139000", id_number="110101199003074477"
    )
    case = services.case_create(by=clerk, matter=matter, applicant=walk_in)
    assert case.owner is None


# A clerk is not the applicant of an online case ----------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_staff_do_not_find_an_online_draft_or_its_files(client_for, actor, citizen, matter, role):
    case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    stored = services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "居民身份证"), upload=pdf()
    )
    client = client_for(actor(role))

    assert client.get(url(case)).status_code == 404
    assert case.number not in [row["number"] for row in client.get(CASES).json()["results"]]
    for action in ("submit", "withdraw", "reject", "accept"):
        body = {"reason": "不符合条件。"} if action == "reject" else {}
        assert client.post(url(case, action), body, format="json").status_code == 404
    file_url = reverse("cases:material-file", args=[case.number, stored.pk])
    browser = Client()
    browser.force_login(actor(role))
    assert browser.get(file_url).status_code == 404
    assert Case.objects.get(pk=case.pk).status == "draft"


def test_after_submission_the_clerk_only_takes_the_clerks_steps(client_for, clerk, make_case):
    case = make_case("submitted")
    client = client_for(clerk)

    assert client.get(url(case)).status_code == 200
    for action in ("withdraw", "submit", "resubmit"):
        response = client.post(url(case, action), {}, format="json")
        assert response.status_code == 403, action
    upload = client.post(
        url(case, "materials"),
        {"requirement": requirement(case, "完税凭证"), "file": pdf()},
        format="multipart",
    )
    assert upload.status_code == 403
    assert Case.objects.get(pk=case.pk).status == "submitted"
    assert client.post(url(case, "accept"), {}, format="json").status_code in (200, 400)


# Only the applicant rates --------------------------------------------------------------------


@pytest.fixture
def ready_case(make_case, clerk):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("role", ["clerk", "reviewing_approver", "supervisor"])
def test_staff_cannot_rate_nor_block_the_applicants_rating(
    client_for, actor, citizen, ready_case, role
):
    refused = client_for(actor(role)).post(url(ready_case, "rating"), {"score": 1}, format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "not_applicant"
    assert not Rating.objects.exists()
    own = client_for(citizen).post(url(ready_case, "rating"), {"score": 5}, format="json")
    assert own.status_code == 200
    assert Rating.objects.get().channel == "online"


def test_a_bad_rating_goes_where_the_applicant_says(client_for, citizen, ready_case, make_case):
    client = client_for(citizen)
    client.post(
        url(ready_case, "rating"),
        {"score": 1, "comment": "窗口推诿。", "about": "window"},
        format="json",
    )
    follow_up = FollowUp.objects.get()
    assert (follow_up.about, follow_up.department) == ("window", None)


def test_a_bad_rating_about_the_decision_goes_to_the_lead_department(
    client_for, citizen, ready_case
):
    client_for(citizen).post(
        url(ready_case, "rating"), {"score": 2, "comment": "审批太慢。"}, format="json"
    )
    follow_up = FollowUp.objects.get()
    assert (follow_up.about, follow_up.department.code) == ("decision", "housing")


def test_the_rating_link_rates_once_without_sign_in(client, ready_case):
    link = reverse("cases:rate-link", args=[services.rating_link_token(ready_case)])

    page = client.get(link)
    assert page.status_code == 200
    assert ready_case.number in page.content.decode()
    assert client.post(link, {"score": "5"}).status_code == 200
    again = client.post(link, {"score": "1", "comment": "再评", "about": "window"})

    assert again.status_code == 200
    assert "已经评价过了" in again.content.decode()
    rating = Rating.objects.get()
    assert (rating.score, rating.channel) == (5, "window")


def test_a_forged_or_expired_rating_link_rates_nothing(client, ready_case, settings):
    forged = reverse("cases:rate-link", args=[f"{ready_case.number}:abc:def"])
    assert client.post(forged, {"score": "5"}).status_code == 404

    settings.RATING_LINK_HOURS = 1
    token = services.rating_link_token(ready_case)
    stamp = token.rsplit(":", 2)[1]
    stale = signing.TimestampSigner(salt="cases.rating-link")
    stale.timestamp = lambda: signing.b62_encode(int(signing.b62_decode(stamp)) - 7200)
    expired = reverse("cases:rate-link", args=[stale.sign(ready_case.number)])
    response = client.post(expired, {"score": "5"})
    assert response.status_code == 410
    assert "过期" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_window_follow_up_is_the_halls_not_the_departments(
    client, ready_case, housing_approver, supervisor
):
    link = reverse("cases:rate-link", args=[services.rating_link_token(ready_case)])
    client.post(link, {"score": "1", "comment": "态度冷淡。", "about": "window"})
    follow_up = FollowUp.objects.get()

    with pytest.raises(services.ratings.CasePermissionError):
        services.follow_up_record(
            follow_up=follow_up, by=housing_approver, callback_note="已回访", outcome="explained"
        )
    services.follow_up_record(
        follow_up=follow_up, by=supervisor, callback_note="已回访并致歉", outcome="rectified"
    )
    assert FollowUp.objects.get().closed_at is not None


# Supervisors see masked identities -----------------------------------------------------------


def test_supervisors_get_masked_identities_and_clerks_whole_ones(
    client_for, citizen, clerk, supervisor, make_case
):
    case = make_case("submitted")

    masked = client_for(supervisor).get(url(case)).json()["applicant"]
    whole = client_for(clerk).get(url(case)).json()["applicant"]
    own = client_for(citizen).get(url(case)).json()["applicant"]

    assert masked["id_number"] == citizen.id_number[:3] + "*" * 11 + citizen.id_number[-4:]
    assert masked["phone"] == citizen.phone[:3] + "****" + citizen.phone[-4:]
    assert masked["name"] != citizen.name
    assert whole["id_number"] == own["id_number"] == citizen.id_number
    listed = client_for(supervisor).get(CASES).json()["results"][0]["applicant"]
    assert listed["id_number"] == masked["id_number"]
    # Nor does the history name the applicant who acted.
    events = client_for(supervisor).get(url(case)).json()["events"]
    assert all(citizen.name not in event["actor"] for event in events)
    assert any(
        citizen.name in e["actor"] for e in client_for(clerk).get(url(case)).json()["events"]
    )


def test_supervisors_get_the_agent_masked_too(client_for, citizen, stranger, supervisor, matter):
    case = services.case_create(
        by=citizen,
        matter=matter,
        applicant=applicant_of(stranger),
        agent=services.Agent(name=citizen.name, id_number=citizen.id_number, phone=citizen.phone),
    )
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)

    agent = client_for(supervisor).get(url(case)).json()["agent"]
    assert citizen.id_number not in agent["id_number"]
    assert citizen.phone not in agent["phone"]


# Lists keep a constant number of queries -----------------------------------------------------


def _list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CASES, {"page_size": 50})
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_the_applicants_list_keeps_its_queries_with_window_and_agent_cases(
    client_for, clerk, citizen, stranger, matter
):
    agent = services.Agent(name=stranger.name, id_number=stranger.id_number, phone=stranger.phone)

    def add(n: int) -> None:
        for _ in range(n):
            services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
            services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
            services.case_create(
                by=stranger, matter=matter, applicant=applicant_of(citizen), agent=agent
            )

    client = client_for(citizen)
    add(1)
    few, few_count = _list_queries(client)
    add(9)
    many, many_count = _list_queries(client)

    assert (few_count, many_count) == (3, 30)
    assert few == many


def test_my_cases_page_keeps_its_queries(client, clerk, citizen, matter):
    client.force_login(citizen)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:case-list")).status_code == 200
        return len(queries)

    services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    few = count()
    for _ in range(12):
        services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    assert count() == few


def test_the_clerk_asks_again_for_the_power_of_attorney_by_api(
    client_for, citizen, stranger, clerk, housing
):
    matter = MatterFactory(lead_department=housing)
    case = services.case_create(
        by=citizen,
        matter=matter,
        applicant=applicant_of(stranger),
        agent=services.Agent(name=citizen.name, id_number=citizen.id_number, phone=citizen.phone),
    )
    for material in case.materials.all():
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)

    response = client_for(clerk).post(
        url(case, "request-supplement"),
        {"missing": [None], "note": "委托人未签字。"},
        format="json",
    )

    assert response.status_code == 200, response.content
    letter = case.materials.get(material_type__code="power-of-attorney")
    assert letter.status == "missing"


@pytest.mark.parametrize("applicant_has_account", [True, False])
def test_the_agent_who_filed_follows_the_case_in_their_inbox(
    client_for, citizen, stranger, matter, applicant_has_account
):
    body = person_body(stranger)
    if not applicant_has_account:
        stranger.delete()
    agent = client_for(citizen)
    response = agent.post(
        CASES,
        {"matter": matter.code, "applicant": body, "agent": agent_body(citizen)},
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    for material in case.materials.filter(required=True, status="missing"):
        agent.post(
            url(case, "materials"),
            {"requirement": material.requirement_id, "file": pdf()},
            format="multipart",
        )
    assert agent.post(url(case, "submit")).status_code == 200
    inbox = agent.get("/api/v1/notices/").json()
    rows = inbox["results"] if isinstance(inbox, dict) else inbox
    assert any(case.number in row["text"] for row in rows)
