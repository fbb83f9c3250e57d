"""Catalog export and import: round trip, idempotence, all-or-nothing validation, commands."""

import copy
import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ProtectedError, QuerySet

from accounts.models import Department
from matters.catalog_io import catalog_export, catalog_import
from matters.exceptions import CatalogImportError
from matters.models import (
    Board,
    Bundle,
    CatalogStatus,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    Requirement,
)
from tests.factories import (
    BoardFactory,
    BundleFactory,
    DepartmentFactory,
    LicenceTypeFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "matters" / "demo" / "catalog.json"


def demo_catalog() -> dict:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def empty_catalog() -> None:
    """Delete the whole catalog, in the order its protected references allow."""
    Bundle.objects.all().delete()
    Matter.objects.all().delete()
    MaterialType.objects.all().delete()
    LicenceType.objects.all().delete()
    Board.objects.all().delete()
    Department.objects.filter(parent__isnull=False).delete()
    Department.objects.all().delete()


def catalog_size() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Department, LicenceType, Board, MaterialType, Matter, Bundle)
    )


@pytest.fixture
def built_catalog():
    """A small catalog through the factories, touching every kind of field and reference."""
    parent = DepartmentFactory(code="nrp", name="市自然资源和规划局", short_name="资规局")
    registry = DepartmentFactory(code="registry", name="市不动产登记中心", parent=parent)
    tax = DepartmentFactory(code="tax", name="市税务局", phone="12366")
    deed = LicenceTypeFactory(
        code="deed", name="不动产权证书", issuing_department=registry, valid_years=None
    )
    permit = LicenceTypeFactory(code="food", name="食品经营许可证", valid_years=5)
    id_card = MaterialTypeFactory(code="id-card", name="居民身份证")
    certificate = MaterialTypeFactory(code="deed-paper", name="不动产权证书", licence_type=deed)
    contract = MaterialTypeFactory(code="contract", name="房屋买卖合同")
    board = BoardFactory(code="real-estate", name="不动产登记", letter="B", order=2)
    transfer = MatterFactory(
        code="transfer",
        name="不动产转移登记",
        board=board,
        lead_department=registry,
        reviewing_departments=[registry, tax],
        fee=Decimal("80.00"),
        fee_basis="发改价格规〔2016〕2559号",
        deferral_scope="房屋买卖合同可容缺，5个工作日内补交。",
        result_licence_type=deed,
        effective_date=datetime.date(2026, 1, 1),
        version=3,
        usage_count=18640,
        with_guide=False,
    )
    ProcessStepFactory(matter=transfer, order=1, name="受理", description="一窗受理。")
    ProcessStepFactory(matter=transfer, order=2, name="审核", description="并联审核。", days=2)
    RequirementFactory(matter=transfer, material=id_card, key=True, order=1)
    RequirementFactory(matter=transfer, material=certificate, key=True, order=2, form="copy")
    RequirementFactory(matter=transfer, material=contract, order=3, deferrable=True, copies=2)
    water = MatterFactory(
        code="water", name="供水过户", board=board, instant=True, max_trips=0, with_guide=False
    )
    ProcessStepFactory(matter=water, order=1, name="办结", description="当场办结。")
    RequirementFactory(matter=water, material=id_card, key=True)
    RequirementFactory(matter=water, material=contract, required=False, condition="证书尚未办出的")
    MatterFactory(
        code="draft-one", name="草稿事项", board=board, draft=True, result_licence_type=permit
    )
    BundleFactory(code="transfer-bundle", name="二手房过户一件事", matters=[transfer, water])
    BundleFactory(
        code="draft-bundle", name="草稿一件事", matters=[water], status=CatalogStatus.DRAFT
    )


def test_export_of_the_built_catalog_names_every_reference_by_code(built_catalog):
    data = catalog_export()

    assert (data["format"], data["version"]) == ("onetrip-catalog", 1)
    departments = {row["code"]: row for row in data["departments"]}
    assert departments["registry"]["parent"] == "nrp"
    assert [row["code"] for row in data["departments"]] == sorted(departments)
    transfer = next(row for row in data["matters"] if row["code"] == "transfer")
    assert transfer["reviewing_departments"] == ["registry", "tax"]
    assert transfer["fee"] == "80.00"
    assert transfer["effective_date"] == "2026-01-01"
    assert transfer["result_licence_type"] == "deed"
    assert [r["material"] for r in transfer["requirements"]] == [
        "id-card",
        "deed-paper",
        "contract",
    ]
    assert [s["order"] for s in transfer["steps"]] == [1, 2]
    bundle = next(row for row in data["bundles"] if row["code"] == "transfer-bundle")
    assert bundle["matters"] == ["transfer", "water"]
    json.dumps(data)  # JSON-ready as it is


def test_round_trip_into_an_empty_database_gives_the_same_export(built_catalog):
    exported = catalog_export()
    empty_catalog()
    assert catalog_size() == (0, 0, 0, 0, 0, 0)

    counts = catalog_import(data=exported)

    assert counts["departments_created"] == len(exported["departments"])
    assert counts["matters_created"] == 3
    assert counts["bundles_created"] == 2
    assert catalog_export() == exported


def test_demo_catalog_file_is_exactly_its_own_export():
    data = demo_catalog()
    catalog_import(data=data)
    assert catalog_export() == data


def test_importing_the_same_file_twice_changes_nothing():
    data = demo_catalog()
    first = catalog_import(data=data)
    stamps = dict(Matter.objects.values_list("code", "updated_at"))
    ids = sorted(Requirement.objects.values_list("id", flat=True))
    size = catalog_size()

    second = catalog_import(data=data)

    assert first["matters_created"] == len(data["matters"])
    assert all(count == 0 for count in second.values()), second
    assert catalog_size() == size
    assert dict(Matter.objects.values_list("code", "updated_at")) == stamps
    assert sorted(Requirement.objects.values_list("id", flat=True)) == ids
    assert catalog_export() == data


def test_reimport_updates_what_changed_and_replaces_steps_and_requirements(built_catalog):
    data = catalog_export()
    transfer = next(row for row in data["matters"] if row["code"] == "transfer")
    transfer["committed_days"] = 2
    transfer["steps"] = [{"order": 1, "name": "受理", "description": "一窗受理。", "days": 0}]
    transfer["requirements"] = [r for r in transfer["requirements"] if r["material"] != "contract"]
    transfer["requirements"][0]["copies"] = 2
    transfer["reviewing_departments"] = ["registry"]

    counts = catalog_import(data=data)

    assert counts["matters_updated"] == 1
    assert counts["matters_created"] == 0
    assert counts["departments_updated"] == 0
    matter = Matter.objects.get(code="transfer")
    assert matter.committed_days == 2
    assert list(matter.steps.values_list("order", flat=True)) == [1]
    assert sorted(matter.requirements.values_list("material__code", "copies")) == [
        ("deed-paper", 1),
        ("id-card", 2),
    ]
    assert list(matter.reviewing_departments.values_list("code", flat=True)) == ["registry"]
    assert catalog_export() == data


def test_a_requirement_still_used_by_cases_is_reported_not_crashed(built_catalog, monkeypatch):
    data = catalog_export()
    transfer = next(row for row in data["matters"] if row["code"] == "transfer")
    transfer["requirements"] = [r for r in transfer["requirements"] if r["material"] != "contract"]
    delete = QuerySet.delete

    def protected_delete(queryset):
        # As when a case's material points at the requirement (CaseMaterial, PROTECT).
        if queryset.model is Requirement:
            raise ProtectedError("in use", set(queryset))
        return delete(queryset)

    monkeypatch.setattr(QuerySet, "delete", protected_delete)
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(data=data)
    monkeypatch.undo()

    assert "事项“transfer”" in caught.value.detail
    assert "已被办件引用" in caught.value.detail
    assert Requirement.objects.filter(matter__code="transfer").count() == 3


def test_references_may_name_rows_already_in_the_database(built_catalog):
    data = demo_catalog()
    matter = copy.deepcopy(
        next(m for m in data["matters"] if m["code"] == "soc-birth-registration")
    )
    matter["code"] = "birth-elsewhere"
    matter["lead_department"] = "tax"  # only in the database
    matter["board"] = "real-estate"
    matter["requirements"] = [
        {**matter["requirements"][0], "material": "id-card"},
    ]
    document = {"format": "onetrip-catalog", "version": 1, "matters": [matter]}

    counts = catalog_import(data=document)

    assert counts["matters_created"] == 1
    assert Matter.objects.get(code="birth-elsewhere").lead_department.code == "tax"


def invalid_document() -> dict:
    data = demo_catalog()
    data["format"] = "some-other-format"
    matters = {row["code"]: row for row in data["matters"]}
    matters["soc-birth-registration"]["lead_department"] = "no-such-department"
    data["material_types"].append(
        {"code": "catch-all", "name": "其他材料", "description": "", "licence_type": None}
    )
    matters["re-transfer"]["requirements"].append(
        {"material": "catch-all", "order": 9, "key": False, "required": True}
    )
    matters["fund-loan"]["committed_days"] = 20  # legal limit is 15
    return data


def test_invalid_file_lists_every_problem_at_once_and_writes_nothing():
    # The database starts with what migrations put there (the power of attorney's type).
    size = catalog_size()
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(data=invalid_document())

    problems = caught.value.extra["problems"]
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert "format" in text and "some-other-format" in text
    assert "no-such-department" in text and "soc-birth-registration" in text
    assert "其他材料" in text and "re-transfer" in text
    assert "承诺时限（20个工作日）不得超过法定时限（15个工作日）" in text and "fund-loan" in text
    assert "4 个问题" in caught.value.detail
    assert caught.value.code == "catalog_invalid"
    assert catalog_size() == size
    assert ProcessStep.objects.count() == 0


def test_invalid_file_leaves_an_existing_catalog_as_it_was(built_catalog):
    before = catalog_export()
    data = catalog_export()
    data["boards"][0]["name"] = "改名后的板块"  # a valid change that must not land
    data["matters"][0]["kind"] = "no-such-kind"

    with pytest.raises(CatalogImportError) as caught:
        catalog_import(data=data)

    assert "no-such-kind" in caught.value.detail
    assert catalog_export() == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(version=2), "不支持的格式版本"),
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d["departments"].append(dict(d["departments"][0])), "编码在文件中重复"),
        (lambda d: d["boards"][1].update(letter=d["boards"][0]["letter"]), "叫号字母"),
        (lambda d: d["departments"][0].update(parent=d["departments"][0]["code"]), "循环"),
        (lambda d: d["matters"][0].update(max_trips=9), "最多跑动次数"),
        (lambda d: d["matters"][0].update(max_trips=2), "须写明跑多次理由"),
        (lambda d: d["matters"][0].update(max_trips=3, status="draft"), "须写明跑多次理由"),
        (lambda d: d["matters"][0].update(online_level=6), "网上办理深度"),
        (lambda d: d["matters"][0].update(legal_days="20"), "legal_days"),
        (lambda d: d["matters"][0].update(delivery_methods=["drone"]), "drone"),
        (lambda d: d["matters"][0]["requirements"][0].update(deferrable=True), "主件不能容缺"),
        (lambda d: d["matters"][0]["steps"][1].update(order=1), "顺序号 1 重复"),
        (lambda d: d["matters"][0].update(reviewing_departments=["nowhere"]), "nowhere"),
        (lambda d: d["matters"][0]["requirements"][0].update(material="nothing"), "nothing"),
        (lambda d: d["bundles"][0]["matters"].append("ghost"), "ghost"),
        (lambda d: d["bundles"][0].update(matters=d["bundles"][0]["matters"][:1]), "至少包含两个"),
        (
            lambda d: next(m for m in d["matters"] if m["code"] == "re-mortgage").update(
                status="draft"
            ),
            "未发布",
        ),
        (
            lambda d: next(m for m in d["matters"] if m["code"] == "util-water-transfer").update(
                deferral_scope=""
            ),
            "容缺受理范围",
        ),
        (
            lambda d: next(m for m in d["matters"] if m["code"] == "util-water-transfer").update(
                reviewing_departments=["water"]
            ),
            "即办件当场办结",
        ),
    ],
)
def test_each_kind_of_problem_is_refused(change, expected):
    data = demo_catalog()
    change(data)

    with pytest.raises(CatalogImportError) as caught:
        catalog_import(data=data)

    assert expected in caught.value.detail
    assert Matter.objects.count() == 0


def test_a_name_taken_by_another_code_in_the_database_is_refused(built_catalog):
    document = {
        "format": "onetrip-catalog",
        "version": 1,
        "departments": [{"code": "tax-2", "name": "市税务局"}],
    }
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(data=document)
    assert "已被系统中的“tax”使用" in caught.value.detail


def test_not_an_object_is_refused():
    with pytest.raises(CatalogImportError):
        catalog_import(data=["not", "a", "catalog"])


# --- management commands ------------------------------------------------------------------


def test_export_command_writes_utf8_json_to_a_file_and_to_stdout(built_catalog, tmp_path):
    path = tmp_path / "catalog.json"
    call_command("export_catalog", str(path), stdout=StringIO(), stderr=StringIO())
    text = path.read_text(encoding="utf-8")
    out = StringIO()
    call_command("export_catalog", stdout=out)

    assert json.loads(text) == catalog_export()
    assert out.getvalue() == text
    assert "不动产转移登记" in text  # ensure_ascii=False: no \u escapes
    assert '\n  "departments": [\n    {\n      "code"' in text  # indent=2


def test_import_command_prints_counts(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    out = StringIO()

    call_command("import_catalog", str(path), stdout=out)
    call_command("import_catalog", str(path), stdout=(again := StringIO()))

    demo = demo_catalog()
    assert f"事项：新增 {len(demo['matters'])}，更新 0" in out.getvalue()
    assert f"部门：新增 {len(demo['departments'])}，更新 0" in out.getvalue()
    assert "事项：新增 0，更新 0" in again.getvalue()


def test_import_command_reports_problems_as_a_command_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(invalid_document(), ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("import_catalog", str(path), stdout=StringIO())

    message = str(caught.value)
    assert "no-such-department" in message and "其他材料" in message
    assert Matter.objects.count() == 0


def test_import_command_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("import_catalog", str(path))
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_catalog", str(tmp_path / "missing.json"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database a child can open")
def test_import_command_exits_non_zero_and_prints_problems(tmp_path, settings):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(invalid_document(), ensure_ascii=False), encoding="utf-8")
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "import_catalog", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "no-such-department" in result.stderr
    assert "承诺时限" in result.stderr
