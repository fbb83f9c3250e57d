"""Who may act for whom, on the pages and in the services: the online applicant is the account
holder or its declared agent, window cases belong to the applicant's account, online drafts are
the applicant's alone, and the admin masks the applicant in the case's history."""

import pytest
from django.urls import reverse

from cases import services
from cases.exceptions import (
    AgentNotAccountError,
    ApplicantNotAccountError,
    CasePermissionError,
    NotApplicantError,
)
from cases.models import Case
from tests.factories import MatterFactory, UserFactory
from windows import services as window_services

from .conftest import applicant_of, pdf, requirement
from .test_citizen_pages import application_data, text_of


@pytest.fixture
def stranger(db):
    return UserFactory(citizen=True, name="周五")


def as_agent_of(user) -> services.Agent:
    return services.Agent(name=user.name, id_number=user.id_number, phone=user.phone)


# Online: the account's own identity, or its declared agent ---------------------------------


def test_the_apply_page_refuses_another_persons_identity(client, citizen, stranger, matter):
    client.force_login(citizen)
    data = application_data(
        citizen, applicant_name=stranger.name, applicant_id_number=stranger.id_number
    )

    response = client.post(reverse("cases:apply-matter", args=[matter.code]), data)

    assert response.status_code == 403
    assert "网上申请只能以本账户的身份申请" in text_of(response)
    assert not Case.objects.exists()


def test_the_apply_page_files_as_the_declared_agent(client, citizen, stranger, housing):
    matter = MatterFactory(lead_department=housing)  # the guide lists no 委托书
    client.force_login(citizen)
    data = application_data(
        citizen,
        applicant_name=stranger.name,
        applicant_id_number=stranger.id_number,
        applicant_phone=stranger.phone,
        as_agent="on",
    )

    response = client.post(reverse("cases:apply-matter", args=[matter.code]), data)

    assert response.status_code == 302, text_of(response)
    case = Case.objects.get()
    assert (case.owner, case.created_by) == (stranger, citizen)
    assert (case.agent_name, case.agent_id_number) == (citizen.name, citizen.id_number)
    materials_url = reverse("cases:case-materials", args=[case.number])
    page = client.get(materials_url).content.decode()
    assert "授权委托书" in page
    assert 'value="power-of-attorney"' in page
    uploaded = client.post(materials_url, {"requirement": "power-of-attorney", "file": pdf()})
    assert uploaded.status_code == 302
    assert case.materials.get(material_type__code="power-of-attorney").status == "received"


def test_declaring_oneself_the_agent_of_oneself_is_pointed_out(client, citizen, matter):
    client.force_login(citizen)
    data = application_data(citizen, as_agent="on")

    response = client.post(reverse("cases:apply-matter", args=[matter.code]), data)

    assert response.status_code == 400
    assert "您为本人申请，无需勾选代办" in text_of(response)
    assert not Case.objects.exists()


def test_the_applicant_and_the_agent_both_find_the_case_in_my_cases(
    client, citizen, stranger, matter
):
    case = services.case_create(
        by=citizen, matter=matter, applicant=applicant_of(stranger), agent=as_agent_of(citizen)
    )
    for user in (citizen, stranger):
        client.force_login(user)
        assert case.number in client.get(reverse("cases:case-list")).content.decode()
        assert client.get(reverse("cases:case-detail", args=[case.number])).status_code == 200
    client.force_login(UserFactory(citizen=True))
    assert client.get(reverse("cases:case-detail", args=[case.number])).status_code == 404


def test_an_agent_who_is_someone_else_is_refused(citizen, stranger, matter):
    someone = UserFactory(citizen=True)
    with pytest.raises(AgentNotAccountError):
        services.case_create(
            by=citizen, matter=matter, applicant=applicant_of(stranger), agent=as_agent_of(someone)
        )


def test_a_draft_cannot_be_turned_into_someone_elses_application(citizen, stranger, matter):
    case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))

    with pytest.raises(ApplicantNotAccountError):
        services.case_update_details(case=case, by=citizen, applicant=applicant_of(stranger))
    assert Case.objects.get(pk=case.pk).applicant_id_number == citizen.id_number

    services.case_update_details(
        case=case, by=citizen, applicant=applicant_of(stranger), agent=as_agent_of(citizen)
    )
    case.refresh_from_db()
    assert case.owner == stranger
    assert case.materials.get(material_type__code="power-of-attorney").required
    # Back to applying for oneself: the letter is the guide's conditional one again.
    services.case_update_details(case=case, by=citizen, applicant=applicant_of(citizen))
    case.refresh_from_db()
    assert case.owner == citizen
    assert not case.materials.get(material_type__code="power-of-attorney").required


# Window cases belong to the applicant ------------------------------------------------------


def test_a_window_case_is_in_the_applicants_my_cases(client, clerk, citizen, matter):
    case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    client.force_login(citizen)

    assert case.number in client.get(reverse("cases:case-list")).content.decode()
    # While the clerk fills it in, it is the clerk's: the applicant cannot edit or upload.
    materials = client.get(reverse("cases:case-materials", args=[case.number]))
    assert materials.status_code == 302
    with pytest.raises(CasePermissionError):
        services.material_upload(
            case=case, by=citizen, requirement_id=requirement(case, "居民身份证"), upload=pdf()
        )


# A clerk is not the applicant of an online case --------------------------------------------


def test_the_desk_does_not_open_an_online_draft(client, clerk, citizen, matter):
    case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    client.force_login(clerk)
    intake = reverse("windows:case-intake", args=[case.number])

    assert client.get(intake).status_code == 404
    response = client.post(intake, {"action": "reject", "reason": "材料不全。"})

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).status == "draft"


def test_the_window_services_refuse_to_hand_in_an_online_draft(clerk, citizen, matter):
    case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))

    with pytest.raises(CasePermissionError):
        window_services.case_window_reject(case=case, by=clerk, reason="材料不全。")
    with pytest.raises(CasePermissionError):
        services.case_submit(case=case, by=clerk)
    with pytest.raises(CasePermissionError):
        services.case_withdraw(case=case, by=clerk)
    assert Case.objects.get(pk=case.pk).status == "draft"


def test_a_window_draft_stays_the_clerks_to_hand_in(clerk, citizen, matter):
    case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    window_services.case_window_reject(case=case, by=clerk, reason="不属于本事项受理范围。")
    assert Case.objects.get(pk=case.pk).status == "rejected"


# Only the applicant rates ------------------------------------------------------------------


def test_a_clerk_cannot_rate_an_online_case(make_case, clerk, citizen):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    with pytest.raises(NotApplicantError):
        services.rating_create(case=case, by=clerk, score=1)
    assert services.rating_create(case=case, by=citizen, score=5).channel == "online"


def test_a_bad_rating_on_my_cases_asks_what_it_is_about(client, make_case, clerk, citizen):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    client.force_login(citizen)
    rate = reverse("cases:case-rate", args=[case.number])

    refused = client.post(rate, {"score": "1", "comment": "窗口推诿。"})
    assert refused.status_code == 400
    assert "请选择不满意的是部门审批还是窗口服务" in text_of(refused)

    client.post(rate, {"score": "1", "comment": "窗口推诿。", "about": "window"})
    follow_up = case.rating.follow_up
    assert (follow_up.about, follow_up.department_id) == ("window", None)


# The admin masks the applicant in the case's history ---------------------------------------


def test_the_admin_event_list_masks_the_applicant(client, make_case, supervisor):
    case = make_case("submitted")
    client.force_login(supervisor)

    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()

    assert case.applicant_name not in html
    assert case.applicant_name[0] + "*" in html


# Cases already filed -----------------------------------------------------------------------


def test_the_migration_gives_existing_cases_to_the_applicants_account(
    clerk, citizen, stranger, matter
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0004_who_acts_for_whom")
    window = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    foreign = services.case_create(
        by=stranger, matter=matter, applicant=applicant_of(citizen), agent=as_agent_of(stranger)
    )
    own = services.case_create(by=stranger, matter=matter, applicant=applicant_of(stranger))
    # As the code before filed them: window cases had no owner, online ones the filer.
    Case.objects.filter(pk=window.pk).update(owner=None)
    Case.objects.filter(pk=foreign.pk).update(owner=stranger)

    migration.give_cases_to_applicants(apps, None)

    owners = dict(Case.objects.values_list("pk", "owner_id"))
    assert owners == {window.pk: citizen.pk, foreign.pk: citizen.pk, own.pk: stranger.pk}


def test_the_desk_handles_a_power_of_attorney_the_guide_does_not_list(
    client, clerk, citizen, stranger, housing
):
    from tests.windows.helpers import checklist_data

    matter = MatterFactory(lead_department=housing)
    case = services.case_create(
        by=citizen, matter=matter, applicant=applicant_of(stranger), agent=as_agent_of(citizen)
    )
    for material in case.materials.all():
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)
    client.force_login(clerk)
    intake = reverse("windows:case-intake", args=[case.number])
    assert "授权委托书" in client.get(intake).content.decode()

    marks = {m.material_type.name: "received" for m in case.materials.all()}
    marks["授权委托书"] = ("missing", "委托人未签字。")
    response = client.post(intake, checklist_data(case, "notice", marks))

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "supplement_required"
    letter = case.materials.get(material_type__code="power-of-attorney")
    assert (letter.status, letter.reason) == ("missing", "委托人未签字。")
    services.material_upload(case=case, by=citizen, requirement_id=None, upload=pdf())
    services.case_resubmit(case=case, by=citizen)
    assert Case.objects.get(pk=case.pk).status == "submitted"


def _issued(case, clerk) -> Case:
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=case.created_by, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=case.created_by)
    services.case_accept(case=case, by=clerk)
    for review in Case.objects.get(pk=case.pk).reviews.all():
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=case, by=clerk)
    return Case.objects.get(pk=case.pk)


def test_the_agent_rates_only_for_an_applicant_without_an_account(clerk, citizen, stranger, matter):
    walk_in = services.Applicant(
        kind="person", name="孙八", phone="13900139000", id_number="110101199003074477"
    )
    for_walk_in = _issued(
        services.case_create(
            by=citizen, matter=matter, applicant=walk_in, agent=as_agent_of(citizen)
        ),
        clerk,
    )
    for_stranger = _issued(
        services.case_create(
            by=citizen, matter=matter, applicant=applicant_of(stranger), agent=as_agent_of(citizen)
        ),
        clerk,
    )

    assert services.rating_create(case=for_walk_in, by=citizen, score=5).channel == "online"
    with pytest.raises(NotApplicantError):
        services.rating_create(case=for_stranger, by=citizen, score=5)
    assert services.rating_create(case=for_stranger, by=stranger, score=4).score == 4


def test_the_applicant_of_a_window_case_rates_it_online(clerk, citizen, matter):
    case = _issued(
        services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen)), clerk
    )

    with pytest.raises(NotApplicantError):
        services.rating_create(case=case, by=clerk, score=5)
    assert services.rating_create(case=case, by=citizen, score=5).channel == "online"


def test_a_company_finds_its_window_cases(client, clerk, company, matter):
    applicant = services.Applicant(
        kind="company", name=company.name, phone=company.phone, credit_code=company.credit_code
    )
    case = services.case_create(by=clerk, matter=matter, applicant=applicant)
    assert case.owner == company
    client.force_login(company)
    assert case.number in client.get(reverse("cases:case-list")).content.decode()
