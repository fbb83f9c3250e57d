"""What the locker keeps and gives: only what a clerk checked and that has an electronic copy,
nothing a reviewer returned, and nothing of a former applicant after the draft's applicant
changed."""

import dataclasses
import threading

import pytest
from django.db import connection, transaction

from cases import services
from cases.exceptions import MissingMaterialsError
from cases.models import Case, MaterialFile
from locker.models import LockerItem
from locker.services import locker_take_in

from .conftest import (
    FORM_A,
    FORM_B,
    HOUSEHOLD,
    ID_CARD,
    LEASE,
    applicant_of,
    file_and_submit,
    missing_names,
    pdf,
)

pytestmark = pytest.mark.django_db


def test_an_upload_nobody_checked_is_not_kept(citizen, clerk, first_matter, second_matter):
    case = file_and_submit(citizen, first_matter)
    # The clerk checks the ID card only, then accepts (taking the rest in unchecked).
    services.material_receive(
        case=case,
        by=clerk,
        requirement_id=case.materials.get(material_type__name=ID_CARD).requirement_id,
        form="electronic",
        copies=0,
    )
    services.case_accept(case=case, by=clerk)
    assert Case.objects.get(pk=case.pk).status == "in_review"
    assert [i.material_type.name for i in LockerItem.objects.all()] == [ID_CARD]
    later = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(later) == {HOUSEHOLD, FORM_B, LEASE}


def test_a_paper_only_check_is_not_kept(citizen, clerk, first_matter, second_matter):
    # Checked on paper, no scan: a later case's reviewers would have nothing to read.
    case = services.case_create(by=clerk, matter=first_matter, applicant=applicant_of(citizen))
    for material in case.materials.all():
        services.material_receive(
            case=case, by=clerk, requirement_id=material.requirement_id, form="original", copies=1
        )
    services.case_submit(case=case, by=clerk)
    services.case_accept(case=case, by=clerk)
    assert not LockerItem.objects.exists()
    later = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert {ID_CARD, HOUSEHOLD} <= missing_names(later)


def test_a_document_a_reviewer_returned_is_not_reused(
    verified, citizen, housing_approver, second_matter
):
    review = verified.reviews.get()
    household = verified.materials.get(material_type__name=HOUSEHOLD)
    services.review_decide(
        review=review,
        by=housing_approver,
        decision="return",
        opinion="户口簿页不全。",
        missing=[household.requirement_id],
    )
    assert Case.objects.get(pk=verified.pk).status == "supplement_required"
    later = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(later) == {HOUSEHOLD, FORM_B, LEASE}
    # Nor is it offered in the person's locker any more.
    assert [i["material"]["name"] for i in _locker(citizen)] == [ID_CARD]


def test_returned_since_filing_is_asked_again_at_submission(
    verified, citizen, housing_approver, second_matter
):
    later = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    household = verified.materials.get(material_type__name=HOUSEHOLD)
    services.review_decide(
        review=verified.reviews.get(),
        by=housing_approver,
        decision="return",
        opinion="户口簿页不全。",
        missing=[household.requirement_id],
    )
    for material in later.materials.filter(material_type__name__in=[FORM_B, LEASE]):
        services.material_upload(
            case=later, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    with pytest.raises(MissingMaterialsError):
        services.case_submit(case=later, by=citizen)
    reused = later.materials.get(material_type__name=HOUSEHOLD)
    assert reused.status == "missing" and not reused.files.exists()


def _locker(user):
    from .conftest import api_as

    answer = api_as(user).get("/api/v1/locker/")
    assert answer.status_code == 200
    body = answer.json()
    return body["results"] if isinstance(body, dict) else body


def test_a_new_applicant_gets_none_of_the_former_ones_files(
    verified, citizen, stranger, clerk, second_matter
):
    case = services.case_create(by=clerk, matter=second_matter, applicant=applicant_of(citizen))
    assert missing_names(case) == {FORM_B, LEASE}
    services.case_update_details(case=case, by=clerk, applicant=applicant_of(stranger))
    case = Case.objects.get(pk=case.pk)
    assert missing_names(case) == {ID_CARD, HOUSEHOLD, FORM_B, LEASE}
    assert not MaterialFile.objects.filter(material__case=case).exists()
    assert not case.materials.exclude(reused_from=None).exists()
    assert case.materials_in == 0
    # The verified case keeps its own files.
    assert MaterialFile.objects.filter(material__case=verified).count() == 3


def test_the_same_applicant_keeps_what_the_locker_gave(verified, citizen, clerk, second_matter):
    case = services.case_create(by=clerk, matter=second_matter, applicant=applicant_of(citizen))
    changed = dataclasses.replace(applicant_of(citizen), phone="13900000000")
    services.case_update_details(case=case, by=clerk, applicant=changed)
    case = Case.objects.get(pk=case.pk)
    assert missing_names(case) == {FORM_B, LEASE}
    assert case.materials_in == 2


# serialized_rollback: the flush after the test would lose the migrations' data for the
# transactional tests that follow (as in tests/cases/test_concurrency.py).
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_acceptances_at_once_keep_one_current_item(citizen, clerk, first_matter):
    """Two acceptances of one person's cases at the same moment: the second waits for the
    first and replaces its items (no integrity error)."""
    cases = []
    for _ in range(2):
        case = file_and_submit(citizen, first_matter)
        for material in case.materials.all():
            services.material_receive(
                case=case,
                by=clerk,
                requirement_id=material.requirement_id,
                form="electronic",
                copies=0,
            )
        cases.append(Case.objects.get(pk=case.pk))
    first_in, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                locker_take_in(case=cases[0], by=clerk)
                first_in.set()
                release.wait(10)
        except Exception as error:
            errors.append(error)
            first_in.set()
        finally:
            connection.close()

    def second():
        try:
            with transaction.atomic():
                locker_take_in(case=cases[1], by=clerk)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    first_in.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1)  # waits for the first (or fails at its insert)
    release.set()
    one.join(10)
    two.join(10)
    assert errors == []
    current = LockerItem.objects.current()
    assert current.count() == 2
    assert {item.source_case_id for item in current} == {cases[1].pk}
    assert FORM_A not in {item.material_type.name for item in current}
