"""Data items travel with the catalog document; the demo's accounts are known to the
simulated exchange and the data-check paper renders."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case
from documents.models import DocumentKind
from matters.catalog_io import catalog_export, catalog_import
from matters.exceptions import CatalogImportError
from matters.models import DataItem, MaterialType
from tests.documents.conftest import pdf_text, ready_document, squeeze

pytestmark = pytest.mark.django_db


def test_export_and_import_carry_the_data_items(card_matter):
    data = catalog_export()

    assert [row["code"] for row in data["data_items"]] == ["household", "marriage"]
    assert data["data_items"][0]["department"] == "police"
    assert data["data_items"][0]["active"] is True
    household = next(m for m in data["material_types"] if m["name"] == "居民户口簿")
    assert household["data_item"] == "household"

    # A changed item and a material type without one come back as the file says.
    data["data_items"][0]["name"] = "户籍登记信息"
    household["data_item"] = None
    counts = catalog_import(data=data)
    assert counts["data_items_updated"] == 1
    assert DataItem.objects.get(code="household").name == "户籍登记信息"
    assert MaterialType.objects.get(name="居民户口簿").data_item is None


def test_an_unknown_department_or_data_item_is_refused_and_nothing_written(card_matter):
    data = catalog_export()
    data["data_items"][0]["department"] = "nowhere"
    next(m for m in data["material_types"] if m["name"] == "结婚证")["data_item"] = "nothing"

    with pytest.raises(CatalogImportError) as refused:
        catalog_import(data=data)

    problems = refused.value.extra["problems"]
    assert any("nowhere" in p for p in problems)
    assert any("nothing" in p for p in problems)
    assert MaterialType.objects.get(name="结婚证").data_item.code == "marriage"


def test_a_demo_account_needs_no_household_register(settings):
    call_command("seed_demo", stdout=StringIO())
    citizen = User.objects.get(username="citizen1")
    client = APIClient()
    client.force_authenticate(citizen)

    answer = client.post(
        "/api/v1/cases/",
        {"matter": "pol-id-card-renewal", "consent": True, "answers": {"nonlocal": "no"}},
        format="json",
    ).json()

    statuses = {m["material"]: m["status"] for m in answer["materials"]}
    assert statuses["household-register"] == "satisfied_by_data"
    assert statuses["id-card"] != "satisfied_by_data"
    case = Case.objects.get(number=answer["number"])
    text = squeeze(pdf_text(ready_document(case, DocumentKind.DATA_CHECK).file.read()))
    assert "数据核验单" in text
    assert "户籍信息" in text and "市公安局" in text
    assert "户籍地址" in text
    assert citizen.id_number not in text  # masked
    assert len(DataItem.objects.all()) >= 6
