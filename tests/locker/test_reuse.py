"""一次提交、多次复用: what the window verified is not asked again by a related matter, until
the item expires or the person removes it; never someone else's."""

import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.exceptions import MissingMaterialsError
from cases.models import Case, CaseMaterial, MaterialFile
from locker.models import LockerItem
from tests.factories import UserFactory

from .conftest import (
    FORM_A,
    FORM_B,
    HOUSEHOLD,
    ID_CARD,
    LEASE,
    api_as,
    applicant_of,
    check_and_accept,
    file_and_submit,
    missing_names,
    upload_missing,
)

pytestmark = pytest.mark.django_db


def test_acceptance_keeps_the_verified_documents_not_the_form(verified, citizen):
    items = LockerItem.objects.of_identity("person", citizen.id_number)
    assert {item.material_type.name for item in items} == {ID_CARD, HOUSEHOLD}
    item = items.get(material_type__name=ID_CARD)
    assert item.source_case == verified
    assert item.hall == verified.hall
    assert item.verified_by is not None
    assert item.valid_until == timezone.localdate() + datetime.timedelta(days=365)


def test_a_second_application_for_a_related_matter_asks_for_fewer_materials(
    verified, citizen, stranger, second_matter
):
    fresh = services.case_create(
        by=stranger, matter=second_matter, applicant=applicant_of(stranger)
    )
    assert missing_names(fresh) == {ID_CARD, HOUSEHOLD, FORM_B, LEASE}

    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(case) == {FORM_B, LEASE}
    reused = case.materials.get(material_type__name=ID_CARD)
    assert reused.status == "satisfied_by_locker"
    assert reused.get_status_display() == "材料库复用"
    source = verified.materials.get(material_type__name=ID_CARD)
    assert reused.reused_from == source
    # The verified file comes along, the same stored file.
    assert [f.file.name for f in reused.files.all()] == [f.file.name for f in source.files.all()]
    # The list counter counts them in hand.
    case.refresh_from_db()
    assert case.materials_in == 2
    upload_missing(case, citizen)
    services.case_submit(case=case, by=citizen)
    assert Case.objects.get(pk=case.pk).status == "submitted"


def test_an_expired_item_is_not_used(verified, citizen, second_matter):
    LockerItem.objects.filter(material_type__name=ID_CARD).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(case) == {ID_CARD, FORM_B, LEASE}


def test_a_material_type_the_catalog_stopped_keeping_is_not_reused(
    verified, citizen, second_matter, kinds
):
    kinds[HOUSEHOLD].locker_valid_days = 0
    kinds[HOUSEHOLD].save()
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(case) == {HOUSEHOLD, FORM_B, LEASE}


def test_a_removed_item_is_not_used(verified, citizen, second_matter):
    item = LockerItem.objects.get(material_type__name=ID_CARD)
    assert api_as(citizen).delete(f"/api/v1/locker/{item.pk}/").status_code == 204
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(case) == {ID_CARD, FORM_B, LEASE}


def test_removed_since_filing_is_asked_again_at_submission(verified, citizen, second_matter):
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    upload_missing(case, citizen)
    item = LockerItem.objects.get(material_type__name=ID_CARD)
    api_as(citizen).delete(f"/api/v1/locker/{item.pk}/")

    with pytest.raises(MissingMaterialsError) as refused:
        services.case_submit(case=case, by=citizen)
    assert ID_CARD in refused.value.detail
    material = CaseMaterial.objects.get(case=case, material_type__name=ID_CARD)
    assert material.status == "missing"
    assert "材料库" in material.reason
    assert material.reused_from is None
    assert not material.files.exists()
    # The verified case keeps its file; the counter follows.
    source = verified.materials.get(material_type__name=ID_CARD)
    assert source.files.count() == 1
    assert source.files.get().file.storage.exists(source.files.get().file.name)
    assert Case.objects.get(pk=case.pk).materials_in == 3  # household register + 2 uploads
    # Brought again, the case goes in.
    services.material_upload(
        case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf_upload()
    )
    services.case_submit(case=case, by=citizen)


def pdf_upload():
    from .conftest import pdf

    return pdf()


def test_expired_since_submission_is_asked_again_at_acceptance(
    verified, citizen, clerk, second_matter
):
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    upload_missing(case, citizen)
    services.case_submit(case=case, by=citizen)
    LockerItem.objects.filter(material_type__name=HOUSEHOLD).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(MissingMaterialsError) as refused:
        services.case_accept(case=case, by=clerk)
    assert HOUSEHOLD in refused.value.detail
    case = Case.objects.get(pk=case.pk)
    assert case.status == "submitted"
    assert case.materials.get(material_type__name=HOUSEHOLD).status == "missing"
    assert case.materials.get(material_type__name=ID_CARD).status == "satisfied_by_locker"


def test_another_persons_locker_is_not_used(verified, citizen, stranger, second_matter):
    # As a declared agent of the citizen, the stranger gets nothing of the citizen's locker
    # (they would see the citizen's files).
    applicant = applicant_of(citizen)
    agent = services.Agent(name=stranger.name, id_number=stranger.id_number, phone=stranger.phone)
    case = services.case_create(by=stranger, matter=second_matter, applicant=applicant, agent=agent)
    assert {ID_CARD, HOUSEHOLD} <= missing_names(case)
    own = services.case_create(by=stranger, matter=second_matter, applicant=applicant_of(stranger))
    assert {ID_CARD, HOUSEHOLD} <= missing_names(own)


def test_the_window_takes_from_the_applicants_locker(verified, citizen, clerk, second_matter):
    case = services.case_create(by=clerk, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(case) == {FORM_B, LEASE}


def test_a_newer_verification_replaces_the_older(verified, citizen, clerk, first_matter):
    older = LockerItem.objects.get(material_type__name=ID_CARD)
    case = services.case_create(by=citizen, matter=first_matter, applicant=applicant_of(citizen))
    # Bring a new ID card scan (instead of the locker's) and the form.
    reused = case.materials.get(material_type__name=ID_CARD)
    MaterialFile.objects.filter(material=reused).delete()
    CaseMaterial.objects.filter(pk=reused.pk).update(status="missing", reused_from=None)
    Case.objects.filter(pk=case.pk).update(materials_in=1)
    upload_missing(case, citizen)
    services.case_submit(case=case, by=citizen)
    check_and_accept(case, clerk)
    older.refresh_from_db()
    assert older.replaced_at is not None
    current = LockerItem.objects.current().get(material_type__name=ID_CARD)
    assert current.source_case_id == case.pk
    # The household register was reused, not verified again: the older item stays current.
    assert LockerItem.objects.current().get(material_type__name=HOUSEHOLD).source_case == verified


def test_deemed_acceptance_keeps_nothing(citizen, first_matter):
    case = file_and_submit(citizen, first_matter)
    services.case_accept(case=case, by=None)
    assert not LockerItem.objects.exists()


def test_a_form_is_never_kept(verified):
    assert not LockerItem.objects.filter(material_type__name__in=[FORM_A, FORM_B]).exists()


def test_a_helper_filing_takes_nothing_from_the_locker(verified, citizen, second_matter):
    from halls.selectors import city_centre

    helper = UserFactory(helper=True, name="代办员", hall=city_centre())
    case = services.case_create(by=helper, matter=second_matter, applicant=applicant_of(citizen))
    assert {ID_CARD, HOUSEHOLD} <= missing_names(case)


def test_bringing_ones_own_file_replaces_the_lockers(verified, citizen, second_matter):
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    material = case.materials.get(material_type__name=ID_CARD)
    services.material_upload(
        case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf_upload()
    )
    material.refresh_from_db()
    assert material.status == "received"
    assert material.reused_from is None
    [own] = material.files.all()
    source = verified.materials.get(material_type__name=ID_CARD).files.get()
    assert own.file.name != source.file.name
    assert Case.objects.get(pk=case.pk).materials_in == 2  # still in hand, counted once


def test_taking_the_lockers_file_off_asks_for_the_material(
    verified, citizen, second_matter, django_capture_on_commit_callbacks
):
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    material = case.materials.get(material_type__name=ID_CARD)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.material_file_remove(stored=material.files.get(), by=citizen)
    assert not callbacks  # the stored file is shared: nothing to delete after commit
    material.refresh_from_db()
    assert (material.status, material.reused_from) == ("missing", None)
    # The verified case's stored file is left alone.
    source = verified.materials.get(material_type__name=ID_CARD).files.get()
    assert source.file.storage.exists(source.file.name)
    assert Case.objects.get(pk=case.pk).materials_in == 1
