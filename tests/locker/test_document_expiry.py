"""A document's own expiry, recorded by the clerk at acceptance, bounds its stay in the
locker; a day already past is refused and nothing is accepted."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Case
from locker.models import LockerItem
from tests.windows.helpers import checklist_data, url

from .conftest import (
    FORM_A,
    HOUSEHOLD,
    ID_CARD,
    api_as,
    applicant_of,
    check_uploads,
    file_and_submit,
    pdf,
)

pytestmark = pytest.mark.django_db


def _requirement(case: Case, name: str) -> int:
    return case.materials.get(material_type__name=name).requirement_id


def test_the_earlier_of_the_documents_expiry_and_the_default(citizen, clerk, first_matter):
    case = file_and_submit(citizen, first_matter)
    check_uploads(case, clerk)
    expiry = timezone.localdate() + datetime.timedelta(days=40)
    answer = api_as(clerk).post(
        f"/api/v1/cases/{case.number}/accept/",
        {"valid_until": {str(_requirement(case, ID_CARD)): expiry.isoformat()}},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    items = {i.material_type.name: i for i in LockerItem.objects.select_related("material_type")}
    assert items[ID_CARD].valid_until == expiry
    assert items[HOUSEHOLD].valid_until == timezone.localdate() + datetime.timedelta(days=365)


def test_an_expired_document_is_refused(citizen, clerk, first_matter):
    case = file_and_submit(citizen, first_matter)
    check_uploads(case, clerk)
    answer = api_as(clerk).post(
        f"/api/v1/cases/{case.number}/accept/",
        {"valid_until": {str(_requirement(case, ID_CARD)): timezone.localdate().isoformat()}},
        format="json",
    )
    assert answer.status_code == 400
    assert "valid_until" in answer.json()
    assert answer.json()["code"]
    assert Case.objects.get(pk=case.pk).status == "submitted"
    assert not LockerItem.objects.exists()


def test_an_unknown_requirement_is_refused(citizen, clerk, first_matter):
    case = file_and_submit(citizen, first_matter)
    check_uploads(case, clerk)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    answer = api_as(clerk).post(
        f"/api/v1/cases/{case.number}/accept/",
        {"valid_until": {"999999": tomorrow.isoformat()}},
        format="json",
    )
    assert answer.status_code == 400
    assert Case.objects.get(pk=case.pk).status == "submitted"


def test_the_clerk_records_the_expiry_on_the_desk(citizen, clerk, first_matter):
    case = services.case_create(by=clerk, matter=first_matter, applicant=applicant_of(citizen))
    # The clerk's scan of the ID card (the locker keeps what has an electronic copy).
    services.material_upload(
        case=case, by=clerk, requirement_id=_requirement(case, ID_CARD), upload=pdf()
    )
    marks = {name: "received" for name in (ID_CARD, HOUSEHOLD, FORM_A)}
    expiry = timezone.localdate() + datetime.timedelta(days=30)
    client = Client()
    client.force_login(clerk)
    page = client.get(url("case-intake", case.number)).content.decode()
    assert "证件有效期至" in page
    # The form (never kept) has no such field.
    assert f"m{_requirement(case, FORM_A)}_valid_until" not in page
    field = f"m{_requirement(case, ID_CARD)}_valid_until"

    past = checklist_data(case, "accept", marks, **{field: timezone.localdate().isoformat()})
    refused = client.post(url("case-intake", case.number), past)
    assert refused.status_code == 400
    assert "证件已过期" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).status == "draft"

    data = checklist_data(case, "accept", marks, **{field: expiry.isoformat()})
    assert client.post(url("case-intake", case.number), data).status_code == 302
    assert Case.objects.get(pk=case.pk).status == "in_review"
    assert LockerItem.objects.get(material_type__name=ID_CARD).valid_until == expiry
