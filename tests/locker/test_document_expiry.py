"""A document's own expiry, recorded by the clerk at acceptance, bounds its stay in the
locker; a day already past is refused and nothing is accepted."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from locker.models import LockerItem

from .conftest import HOUSEHOLD, ID_CARD, api_as, file_and_submit

pytestmark = pytest.mark.django_db


def _requirement(case: Case, name: str) -> int:
    return case.materials.get(material_type__name=name).requirement_id


def test_the_earlier_of_the_documents_expiry_and_the_default(citizen, clerk, first_matter):
    case = file_and_submit(citizen, first_matter)
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
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    answer = api_as(clerk).post(
        f"/api/v1/cases/{case.number}/accept/",
        {"valid_until": {"999999": tomorrow.isoformat()}},
        format="json",
    )
    assert answer.status_code == 400
    assert Case.objects.get(pk=case.pk).status == "submitted"
