"""Two related matters that share material types (an ID card and a household register, both
kept in the materials locker), each with its own application form (never kept)."""

import pytest
from rest_framework.test import APIClient

from cases import services
from cases.models import Case
from tests.cases.conftest import (  # noqa: F401 - fixtures shared with the cases tests
    applicant_of,
    clerk,
    housing,
    housing_approver,
    pdf,
    tax,
)
from tests.factories import MaterialTypeFactory, MatterFactory, RequirementFactory, UserFactory

ID_CARD = "居民身份证"
HOUSEHOLD = "居民户口簿"
FORM_A = "公积金提取申请表"
FORM_B = "公积金贷款申请表"
LEASE = "房屋租赁合同"


@pytest.fixture
def kinds(db):
    return {
        ID_CARD: MaterialTypeFactory(code="id-card", name=ID_CARD, locker_valid_days=365),
        HOUSEHOLD: MaterialTypeFactory(
            code="household-register", name=HOUSEHOLD, locker_valid_days=365
        ),
        FORM_A: MaterialTypeFactory(code="form-a", name=FORM_A, locker_valid_days=0),
        FORM_B: MaterialTypeFactory(code="form-b", name=FORM_B, locker_valid_days=0),
        LEASE: MaterialTypeFactory(code="lease", name=LEASE, locker_valid_days=365),
    }


def _matter(name, department, kinds, names):
    matter = MatterFactory(
        name=name, lead_department=department, reviewing_departments=[department], with_guide=False
    )
    for order, material in enumerate(names):
        RequirementFactory(
            matter=matter, material=kinds[material], key=material == ID_CARD, order=order
        )
    return matter


@pytest.fixture
def first_matter(housing, kinds):  # noqa: F811
    return _matter("住房公积金提取", housing, kinds, [ID_CARD, HOUSEHOLD, FORM_A])


@pytest.fixture
def second_matter(housing, kinds):  # noqa: F811
    """Related to the first: the same ID card and household register, its own form, a lease."""
    return _matter("住房公积金贷款", housing, kinds, [ID_CARD, HOUSEHOLD, FORM_B, LEASE])


def upload_missing(case: Case, user) -> None:
    for material in case.materials.filter(status="missing"):
        services.material_upload(
            case=case, by=user, requirement_id=material.requirement_id, upload=pdf()
        )


def file_and_submit(user, matter) -> Case:
    case = services.case_create(by=user, matter=matter, applicant=applicant_of(user))
    upload_missing(case, user)
    services.case_submit(case=case, by=user)
    return Case.objects.get(pk=case.pk)


def check_uploads(case: Case, clerk) -> None:  # noqa: F811
    """The clerk checks every uploaded file at the window (what the locker keeps)."""
    for material in case.materials.filter(status="received", taken_in_at__isnull=True):
        services.material_receive(
            case=case,
            by=clerk,
            requirement_id=material.requirement_id,
            form="electronic",
            copies=0,
        )


def check_and_accept(case: Case, clerk) -> Case:  # noqa: F811
    check_uploads(case, clerk)
    services.case_accept(case=case, by=clerk)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def verified(citizen, clerk, first_matter):  # noqa: F811
    """The citizen's first case, its uploads checked and accepted at the window: its ID card
    and household register are in the citizen's locker."""
    case = file_and_submit(citizen, first_matter)
    check_and_accept(case, clerk)
    return Case.objects.get(pk=case.pk)


def missing_names(case: Case) -> set[str]:
    return {
        m.material_type.name
        for m in case.materials.select_related("material_type")
        if m.status == "missing"
    }


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def stranger(db):
    return UserFactory(citizen=True, name="吴六")
