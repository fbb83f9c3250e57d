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
