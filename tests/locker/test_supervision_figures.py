"""The supervision figures count the materials nobody brought: found through the data
exchange, and taken from the materials locker (in the API, the page and the exports; read
live and from the daily summary alike)."""

import csv
import datetime
import io

import pytest

from cases.models import MaterialStatus
from hall.supervision.selectors import Scope, supervision_figures
from hall.supervision.summary import supervision_summary_refresh
from tests.factories import DepartmentFactory, MaterialTypeFactory, MatterFactory
from tests.factories import RequirementFactory as Req
from tests.supervision.conftest import add_materials, make_case

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 3, 2), datetime.date(2026, 3, 31)
PAGE_RANGE = "start=2026-03-02&end=2026-03-31"


@pytest.fixture
def decided(db):
    department = DepartmentFactory(code="dept_l", name="丙局")
    matter = MatterFactory(code="ml", name="事项三", lead_department=department, with_guide=False)
    requirements = [Req(matter=matter, material=MaterialTypeFactory()) for _ in range(4)]
    S = MaterialStatus  # noqa: N806
    one = make_case(
        matter, department, submitted="03-03", accepted="03-03", deadline="03-10", decided="03-05"
    )
    add_materials(
        one,
        requirements,
        [S.SATISFIED_BY_LOCKER, S.SATISFIED_BY_LOCKER, S.SATISFIED_BY_DATA, S.RECEIVED],
    )
    two = make_case(
        matter, department, submitted="03-04", accepted="03-04", deadline="03-11", decided="03-06"
    )
    add_materials(two, requirements, [S.SATISFIED_BY_LOCKER, S.RECEIVED, S.RECEIVED, S.RECEIVED])
    # Not decided: not counted.
    open_case = make_case(matter, department, submitted="03-04", accepted="03-04", deadline="03-11")
    add_materials(open_case, requirements, [S.SATISFIED_BY_LOCKER, S.SATISFIED_BY_DATA])
    return department


def test_saved_materials_are_counted(decided):
    total = supervision_figures(Scope(start=START, end=END)).total
    assert (total.by_data, total.by_locker) == (1, 3)
    summary = total.summary()
    assert summary["materials_saved_by_data"] == 1
    assert summary["materials_saved_by_locker"] == 3
    assert summary["mean_materials_brought"] == 2.0  # (1 + 3) / 2: nothing saved was brought


def test_the_daily_summary_keeps_them(decided):
    supervision_summary_refresh(start=START, end=END)
    total = supervision_figures(Scope(start=START, end=END)).total
    assert (total.by_data, total.by_locker) == (1, 3)


def test_api_page_and_export_show_them(decided, client, supervisor):
    client.force_login(supervisor)
    answer = client.get("/api/v1/supervision/summary/?from=2026-03-02&to=2026-03-31").json()
    assert (answer["materials_saved_by_data"], answer["materials_saved_by_locker"]) == (1, 3)
    page = client.get(f"/supervision/?{PAGE_RANGE}").content.decode()
    assert "免交材料（数据共享 / 材料库复用）" in page
    assert 'data-figure="materials-saved">1 / 3<' in page
    export = client.get(f"/supervision/export/department.csv?{PAGE_RANGE}")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    header = rows[0]
    row = next(r for r in rows if r and r[0] == "丙局")
    assert row[header.index("数据共享免交材料")] == "1"
    assert row[header.index("材料库复用材料")] == "3"
