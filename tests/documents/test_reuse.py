"""无证明办理: a material replaced by an e-licence is not asked of a holder of that licence."""

import pytest

from cases import services
from cases.exceptions import ApplicantNotAccountError, MissingMaterialsError
from documents.models import Licence
from documents.services import licence_revoke
from tests.factories import UserFactory

from .conftest import applicant_of, pdf, requirement

pytestmark = pytest.mark.django_db

LICENCE_MATERIAL = "食品经营许可证（正本）"


@pytest.fixture
def holder(make_case, licence_matter, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_case("approved", for_matter=licence_matter)
    assert Licence.objects.filter(holder_id=citizen.id_number, status="valid").exists()
    return citizen


def _upload_all_but(case, user, skip: str) -> None:
    for material in case.materials.select_related("material_type"):
        if material.required and material.material_type.name != skip:
            services.material_upload(
                case=case, by=user, requirement_id=material.requirement_id, upload=pdf()
            )


def test_a_holder_is_asked_nothing_for_the_licensed_material(holder, reuse_matter):
    case = services.case_create(by=holder, matter=reuse_matter, applicant=applicant_of(holder))
    material = case.materials.get(material_type__name=LICENCE_MATERIAL)
    assert material.status == "satisfied_by_licence"
    assert material.get_status_display() == "电子证照免提交"
    _upload_all_but(case, holder, LICENCE_MATERIAL)
    services.case_submit(case=case, by=holder)  # nothing to upload for it
    case.refresh_from_db()
    assert case.status == "submitted"


def test_someone_without_the_licence_is_still_asked_for_it(holder, reuse_matter):
    stranger = UserFactory(citizen=True, name="吴六")
    case = services.case_create(by=stranger, matter=reuse_matter, applicant=applicant_of(stranger))
    assert case.materials.get(material_type__name=LICENCE_MATERIAL).status == "missing"
    _upload_all_but(case, stranger, LICENCE_MATERIAL)
    with pytest.raises(MissingMaterialsError) as error:
        services.case_submit(case=case, by=stranger)
    assert LICENCE_MATERIAL in error.value.detail


def test_a_revoked_licence_no_longer_replaces_the_material(holder, reuse_matter, supervisor):
    licence_revoke(
        licence=Licence.objects.get(holder_id=holder.id_number), by=supervisor, reason="撤销"
    )
    case = services.case_create(by=holder, matter=reuse_matter, applicant=applicant_of(holder))
    assert case.materials.get(material_type__name=LICENCE_MATERIAL).status == "missing"


def test_a_tampered_licence_does_not_replace_the_material(holder, reuse_matter):
    Licence.objects.filter(holder_id=holder.id_number).update(holder_name="改过的名字")
    case = services.case_create(by=holder, matter=reuse_matter, applicant=applicant_of(holder))
    assert case.materials.get(material_type__name=LICENCE_MATERIAL).status == "missing"


def test_an_online_applicant_cannot_borrow_someone_elses_licence(holder, reuse_matter):
    borrower = UserFactory(citizen=True, name="郑七")
    applicant = services.Applicant(
        kind="person", name=holder.name, phone=borrower.phone, id_number=holder.id_number
    )
    with pytest.raises(ApplicantNotAccountError):
        services.case_create(by=borrower, matter=reuse_matter, applicant=applicant)
    # Even as the declared agent, the holder's licences do not stand in for materials.
    agent = services.Agent(name=borrower.name, id_number=borrower.id_number, phone=borrower.phone)
    case = services.case_create(by=borrower, matter=reuse_matter, applicant=applicant, agent=agent)
    assert case.materials.get(material_type__name=LICENCE_MATERIAL).status == "missing"


def test_at_the_window_the_clerk_applies_for_a_holder(holder, reuse_matter, clerk):
    case = services.case_create(by=clerk, matter=reuse_matter, applicant=applicant_of(holder))
    assert case.materials.get(material_type__name=LICENCE_MATERIAL).status == (
        "satisfied_by_licence"
    )
    assert requirement(case, LICENCE_MATERIAL)


# A licence that stops counting: re-checked at submission and at acceptance -----------------


def _expire(licence: Licence) -> None:
    import datetime

    from django.utils import timezone

    from documents.services import licence_sign

    licence.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    licence_sign(licence)  # an honest expiry: content and signature agree
    licence.save(update_fields=["valid_until", "signature", "signature_key_id"])


def _revoke(licence: Licence) -> None:
    licence_revoke(licence=licence, by=UserFactory(supervisor=True), reason="以欺骗手段取得")


def _tamper(licence: Licence) -> None:
    Licence.objects.filter(pk=licence.pk).update(scope="食品经营许可：含冷冻冷藏食品批发")


LAPSES = {"revoked": _revoke, "expired": _expire, "tampered": _tamper}


@pytest.fixture
def holders_draft(holder, reuse_matter):
    case = services.case_create(by=holder, matter=reuse_matter, applicant=applicant_of(holder))
    assert case.materials.get(material_type__name=LICENCE_MATERIAL).status == (
        "satisfied_by_licence"
    )
    _upload_all_but(case, holder, LICENCE_MATERIAL)
    return case


@pytest.mark.parametrize("lapse", LAPSES)
def test_submit_answers_400_naming_a_material_whose_licence_lapsed(
    holders_draft, holder, lapse, citizen_api
):
    LAPSES[lapse](Licence.objects.get(holder_id=holder.id_number))
    answer = citizen_api.post(f"/api/v1/cases/{holders_draft.number}/submit/")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "materials_missing" and LICENCE_MATERIAL in body["detail"]
    assert [m["name"] for m in body["missing"]] == [LICENCE_MATERIAL]
    # Missing again, for good: the case page asks for it.
    material = holders_draft.materials.get(material_type__name=LICENCE_MATERIAL)
    assert material.status == "missing" and "电子证照已失效" in material.reason
    holders_draft.refresh_from_db()
    assert holders_draft.status == "draft"
    # Bringing the paper instead lets the submission through.
    services.material_upload(
        case=holders_draft,
        by=holder,
        requirement_id=material.requirement_id,
        upload=pdf(),
    )
    assert citizen_api.post(f"/api/v1/cases/{holders_draft.number}/submit/").status_code == 200


@pytest.mark.parametrize("lapse", LAPSES)
def test_accept_answers_400_when_the_licence_lapsed_after_submission(
    holders_draft, holder, clerk, lapse, market
):
    from rest_framework.test import APIClient

    services.case_submit(case=holders_draft, by=holder)
    LAPSES[lapse](Licence.objects.get(holder_id=holder.id_number))
    clerk.authorised_departments.add(market)
    window = APIClient()
    window.force_authenticate(clerk)
    answer = window.post(f"/api/v1/cases/{holders_draft.number}/accept/", {}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "materials_missing"
    assert [m["name"] for m in answer.json()["missing"]] == [LICENCE_MATERIAL]
    holders_draft.refresh_from_db()
    assert holders_draft.status == "submitted" and not holders_draft.reviews.exists()
    material = holders_draft.materials.get(material_type__name=LICENCE_MATERIAL)
    assert material.status == "missing"
    # The clerk then asks for it in the one-time notice, as for any missing material.
    services.case_request_supplement(
        case=holders_draft, by=clerk, missing=[material.requirement_id]
    )


def test_a_licence_still_in_force_keeps_counting_at_acceptance(holders_draft, holder, clerk):
    services.case_submit(case=holders_draft, by=holder)
    services.case_accept(case=holders_draft, by=clerk)
    holders_draft.refresh_from_db()
    assert holders_draft.status == "in_review"
    assert holders_draft.materials.get(material_type__name=LICENCE_MATERIAL).status == (
        "satisfied_by_licence"
    )


def test_the_submit_page_names_the_material_too(holders_draft, holder, client):
    _revoke(Licence.objects.get(holder_id=holder.id_number))
    client.force_login(holder)
    page = client.post(f"/my/cases/{holders_draft.number}/review/")
    assert page.status_code == 400
    assert LICENCE_MATERIAL in page.content.decode()
    holders_draft.refresh_from_db()
    assert holders_draft.status == "draft"
    materials = client.get(f"/my/cases/{holders_draft.number}/materials/").content.decode()
    assert "电子证照已失效" in materials


def test_deemed_acceptance_still_accepts_but_marks_the_lapsed_material_missing(
    holders_draft, holder
):
    """The hall let 5 working days pass: the case is accepted by law, and the reviewers see
    that the licence no longer stands for the material (they can ask for it)."""
    import datetime

    from django.utils import timezone

    from cases.models import Case

    services.case_submit(case=holders_draft, by=holder)
    Case.objects.filter(pk=holders_draft.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=14)
    )
    _revoke(Licence.objects.get(holder_id=holder.id_number))
    assert services.cases_deem_accepted() == [holders_draft.number]
    holders_draft.refresh_from_db()
    assert holders_draft.status == "in_review"
    material = holders_draft.materials.get(material_type__name=LICENCE_MATERIAL)
    assert material.status == "missing" and "电子证照已失效" in material.reason
