"""A material a department pushes (契税完税凭证 after the tax is paid at the window) or an
e-licence the bundle itself issues (企业开办 asking for its own 营业执照) never blocks the
submission: the catalog refuses to make such a material required, and the bundle's merged
checklist does not ask the applicant for what it issues."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases import services
from cases.models import CaseStatus
from matters.catalog_io import catalog_import
from matters.exceptions import CatalogImportError
from matters.models import Bundle, Matter, ProvidedBy, Requirement
from matters.selectors import bundle_queryset, bundle_requirements
from tests.cases.conftest import pdf
from tests.factories import RequirementFactory, UserFactory

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "matters" / "demo" / "catalog.json"


def demo() -> dict:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def requirement_of(data: dict, matter: str, material: str) -> dict:
    row = next(m for m in data["matters"] if m["code"] == matter)
    return next(r for r in row["requirements"] if r["material"] == material)


def test_a_pushed_material_cannot_be_required_in_the_model_or_the_database():
    requirement = RequirementFactory(required=False, condition="推送失败的")
    requirement.provided_by = ProvidedBy.DEPARTMENT
    requirement.full_clean()  # optional and pushed: fine
    requirement.required = True
    with pytest.raises(ValidationError) as caught:
        requirement.full_clean()
    assert "由部门共享推送的材料不能设为必交" in str(caught.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        requirement.save()


@pytest.mark.parametrize("status", ["published", "draft"])
def test_the_catalog_import_refuses_a_required_pushed_material_clearly(status):
    data = demo()
    row = next(m for m in data["matters"] if m["code"] == "re-transfer")
    row["status"] = status
    if status == "draft":
        for bundle in data["bundles"]:
            if "re-transfer" in bundle["matters"]:
                bundle["status"] = "draft"
    requirement_of(data, "re-transfer", "deed-tax-receipt").update(required=True)
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(data=data)
    assert "材料“契税完税凭证”由部门共享推送，不能设为必交" in caught.value.detail
    assert caught.value.detail.count("契税完税凭证") == 1
    assert not Matter.objects.exists()


def test_the_demo_catalog_does_not_ask_the_applicant_for_pushed_or_bundle_issued_papers():
    catalog_import(data=demo())
    for code in ("re-transfer", "re-new-house-transfer"):
        deed_tax = Requirement.objects.get(matter__code=code, material__code="deed-tax-receipt")
        assert (deed_tax.required, deed_tax.provided_by) == (False, ProvidedBy.DEPARTMENT)
    opening = bundle_queryset().get(code="company-opening")
    merged = {entry.material.code: entry for entry in bundle_requirements(opening)}
    licence = merged["business-licence"]
    assert (licence.required, licence.key, licence.provided_by) == (False, False, "bundle")
    assert any("企业设立登记" in condition for condition in licence.conditions)
    # Alone, the seal filing still asks for the licence the company already holds.
    alone = Requirement.objects.get(
        matter__code="biz-seal-filing", material__code="business-licence"
    )
    assert alone.required


def submit_with_everything_required(case, by):
    for material in case.materials.all():
        if material.required and not material.deferrable:
            services.material_upload(
                case=case, by=by, requirement_id=material.requirement_id, upload=pdf()
            )
    services.case_submit(case=case, by=by)
    case.refresh_from_db()
    return case


def test_a_company_opening_is_submitted_without_the_licence_it_issues(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    catalog_import(data=demo())
    citizen = UserFactory(citizen=True, name="张三")
    case = services.case_create(
        by=citizen,
        bundle=Bundle.objects.get(code="company-opening"),
        applicant=services.Applicant(
            kind="person", name=citizen.name, phone=citizen.phone, id_number=citizen.id_number
        ),
    )
    licence = case.materials.get(material_type__code="business-licence")
    assert (licence.required, licence.provided_by) == (False, "bundle")
    case = submit_with_everything_required(case, citizen)
    assert case.status == CaseStatus.SUBMITTED

    client.force_login(citizen)
    html = client.get(reverse("cases:case-detail", args=[case.number])).content.decode()
    assert "由本“一件事”中的事项办理生成，您无需提交。" in html


def test_a_property_transfer_is_submitted_without_the_pushed_deed_tax_receipt(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    catalog_import(data=demo())
    citizen = UserFactory(citizen=True, name="张三")
    case = services.case_create(
        by=citizen,
        matter=Matter.objects.get(code="re-transfer"),
        applicant=services.Applicant(
            kind="person", name=citizen.name, phone=citizen.phone, id_number=citizen.id_number
        ),
        answers={"married": "no", "mortgaged": "no", "entrusted": "no"},
    )
    case = submit_with_everything_required(case, citizen)
    assert case.status == CaseStatus.SUBMITTED
    deed_tax = case.materials.get(material_type__code="deed-tax-receipt")
    assert deed_tax.provided_by == "department"

    client.force_login(citizen)
    html = client.get(reverse("cases:case-detail", args=[case.number])).content.decode()
    assert "由相关部门共享推送，您无需提交。" in html
    block = html[html.index('material__name">契税完税凭证<') :]
    badge = block[block.index("material-status") : block.index("</span>")]
    assert "不涉及" in badge and "missing" not in badge


def test_the_receipt_lists_the_pushed_receipt_as_not_to_be_submitted(settings, tmp_path):
    from documents.models import Document
    from documents.services import receipt_rows

    settings.MEDIA_ROOT = tmp_path
    catalog_import(data=demo())
    citizen = UserFactory(citizen=True, name="张三")
    clerk = UserFactory(clerk=True)
    case = services.case_create(
        by=citizen,
        matter=Matter.objects.get(code="re-transfer"),
        applicant=services.Applicant(
            kind="person", name=citizen.name, phone=citizen.phone, id_number=citizen.id_number
        ),
        answers={"married": "no", "mortgaged": "no", "entrusted": "no"},
    )
    case = submit_with_everything_required(case, citizen)
    deed_tax = case.materials.get(material_type__code="deed-tax-receipt")
    # The window marks it 不涉及 on its checklist; the receipt still says why.
    services.material_mark_not_applicable(
        case=case, by=clerk, requirement_id=deed_tax.requirement_id
    )
    services.case_accept(case=case, by=clerk)
    rows = {
        r["name"]: r["state"]
        for r in receipt_rows(Document.objects.get(case=case, kind="receipt").context)
    }
    assert rows["契税完税凭证"] == "由部门共享推送，无需提交"
    assert rows["居民身份证"] == "网上提交电子材料，已收取"
