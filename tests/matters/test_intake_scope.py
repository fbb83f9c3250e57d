"""Where a matter can be done (受理网点范围) in the catalog: the import and export, the
publishing checks, the kept versions, the matter API, the guide page and the hall page."""

import copy
import json
from pathlib import Path

import pytest
from django.urls import reverse

from halls.models import HallLevel
from halls.selectors import city_centre
from matters.catalog_io import catalog_export, catalog_import
from matters.exceptions import CatalogImportError, GuideError
from matters.models import CatalogStatus, IntakeScope, Matter, MatterVersion
from matters.services import matter_publish
from tests.factories import BoardFactory, HallFactory, MatterFactory

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "matters" / "demo" / "catalog.json"


@pytest.fixture
def network():
    """The city centre, a district centre and a town centre under it, a village point."""
    centre = city_centre()
    district = HallFactory(code="xincheng", name="新城区便民服务中心", level=HallLevel.DISTRICT)
    town = HallFactory(code="xinjia", name="新嘉街道便民服务中心", parent=district)
    village = HallFactory(
        code="hehua",
        name="荷花村代办点",
        level=HallLevel.VILLAGE,
        parent=town,
        has_windows=False,
        has_queue=False,
    )
    return {"city": centre, "district": district, "town": town, "village": village}


@pytest.fixture
def matters(network):
    board = BoardFactory(code="social", name="社会事务", letter="S")
    everywhere = MatterFactory(code="everywhere", name="高龄津贴申领", board=board)
    nearby = MatterFactory(
        code="nearby",
        name="居住证办理",
        board=board,
        intake_scope=IntakeScope.LEVELS,
        intake_min_level=HallLevel.TOWN,
    )
    city_only = MatterFactory(
        code="city-only", name="企业投资项目核准", board=board, intake_scope=IntakeScope.NAMED
    )
    city_only.intake_halls.set([network["city"]])
    district_named = MatterFactory(
        code="district-named",
        name="不动产转移登记",
        board=board,
        intake_scope=IntakeScope.NAMED,
    )
    district_named.intake_halls.set([network["city"], network["district"]])
    MatterFactory(code="draft-one", name="草稿事项", board=board, draft=True)
    return {
        "everywhere": everywhere,
        "nearby": nearby,
        "city_only": city_only,
        "district_named": district_named,
    }


# --- the API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hall", "expected"),
    [
        ("city", ["city-only", "district-named", "everywhere", "nearby"]),
        ("xincheng", ["district-named", "everywhere", "nearby"]),
        ("xinjia", ["everywhere", "nearby"]),
        ("hehua", ["everywhere"]),
    ],
)
def test_the_matter_list_of_a_hall_is_exactly_what_it_may_take_in(
    client, matters, hall, expected, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/matters/", {"hall": hall, "page_size": 100})
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert sorted(row["code"] for row in rows) == expected


def test_an_unknown_hall_is_a_400(client, matters):
    response = client.get("/api/v1/matters/", {"hall": "atlantis"})
    assert response.status_code == 400
    assert response.json()["hall"] == ["没有这个网点。"]


def test_the_matter_detail_tells_where_it_can_be_taken_in(client, matters, network):
    body = client.get("/api/v1/matters/nearby/").json()
    assert body["intake"]["scope"] == "levels"
    assert body["intake"]["min_level"] == "town"
    assert [hall["code"] for hall in body["intake"]["halls"]] == ["city", "xincheng", "xinjia"]
    body = client.get("/api/v1/matters/city-only/").json()
    assert body["intake"] == {
        "scope": "named",
        "scope_label": body["intake"]["scope_label"],
        "min_level": None,
        "halls": [{"code": "city", "name": network["city"].name, "level": "city"}],
    }
    body = client.get("/api/v1/matters/everywhere/").json()
    assert len(body["intake"]["halls"]) == 4


# --- the pages -------------------------------------------------------------------------


def test_the_guide_page_lists_the_halls_with_address_and_hours(client, matters, network):
    page = client.get(reverse("matters:matter-detail", args=["nearby"])).content.decode()
    town = network["town"]
    assert reverse("halls:hall-detail", args=[town.code]) in page
    assert town.address in page
    assert "周一至周五" in page
    assert network["village"].name not in page


def test_a_kept_version_lists_the_halls_it_named(client, matters, network):
    matter = matters["district_named"]
    matter.status = CatalogStatus.DRAFT
    matter.save()
    matter_publish(matter=matter, by=None)
    kept = MatterVersion.objects.filter(matter=matter).latest("version")
    assert kept.guide["intake_scope"] == "named"
    assert kept.guide["intake_halls"] == ["city", "xincheng"]
    page = client.get(
        reverse("matters:matter-version", args=[matter.code, kept.version])
    ).content.decode()
    assert network["district"].name in page and network["town"].name not in page


def test_the_hall_page_lists_what_can_be_done_there_in_constant_queries(
    client, matters, network, django_assert_max_num_queries
):
    url = reverse("halls:hall-detail", args=["xinjia"])
    with django_assert_max_num_queries(8) as captured:
        page = client.get(url).content.decode()
    assert "居住证办理" in page and "高龄津贴申领" in page
    assert "企业投资项目核准" not in page and "草稿事项" not in page
    MatterFactory(code="more", name="生育登记", board=matters["everywhere"].board)
    with django_assert_max_num_queries(len(captured)):
        page = client.get(url).content.decode()
    assert "生育登记" in page
    page = client.get(reverse("halls:hall-detail", args=["city"])).content.decode()
    assert "企业投资项目核准" in page


# --- publishing ------------------------------------------------------------------------


def publish_problems(matter) -> list[str]:
    with pytest.raises(GuideError) as excinfo:
        matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.status == CatalogStatus.DRAFT
    return excinfo.value.problems


def test_nearby_without_a_level_is_refused():
    matter = MatterFactory(draft=True, intake_scope=IntakeScope.LEVELS, intake_min_level="")
    assert any("最低受理层级" in problem for problem in publish_problems(matter))


def test_named_halls_without_a_hall_are_refused(network):
    matter = MatterFactory(draft=True, intake_scope=IntakeScope.NAMED)
    assert any("至少指定一个受理网点" in problem for problem in publish_problems(matter))
    matter.intake_halls.set([network["city"]])
    matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.status == CatalogStatus.PUBLISHED


# --- the catalog file ------------------------------------------------------------------


def test_export_names_the_halls_by_code_and_a_round_trip_keeps_them(matters, network):
    exported = catalog_export()
    row = next(row for row in exported["matters"] if row["code"] == "district-named")
    assert row["intake_scope"] == "named"
    assert row["intake_halls"] == ["city", "xincheng"]
    nearby = next(row for row in exported["matters"] if row["code"] == "nearby")
    assert (nearby["intake_scope"], nearby["intake_min_level"]) == ("levels", "town")
    assert nearby["intake_halls"] == []

    Matter.objects.all().delete()
    catalog_import(data=exported)
    assert catalog_export() == exported
    assert set(Matter.objects.get(code="city-only").intake_halls.all()) == {network["city"]}

    # A changed list of halls is an update; importing it again changes nothing.
    changed = copy.deepcopy(exported)
    row = next(row for row in changed["matters"] if row["code"] == "district-named")
    row["intake_halls"] = ["xincheng"]
    assert catalog_import(data=changed)["matters_updated"] == 1
    # (The changed halls made a new version of the guide: the file to import again is the
    # new export.)
    assert catalog_import(data=catalog_export())["matters_updated"] == 0
    assert list(Matter.objects.get(code="district-named").intake_halls.all()) == [
        network["district"]
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"intake_halls": ["atlantis"]}, "网点“atlantis”既不在文件中，也不在系统中"),
        ({"intake_halls": ["city", "city"]}, "intake_halls 应为不重复的网点编码列表"),
        ({"intake_scope": "everywhere"}, "受理网点范围"),
        ({"intake_min_level": "province"}, "最低受理层级"),
        ({"intake_scope": "levels", "intake_min_level": ""}, "最低受理层级"),
        ({"intake_scope": "named", "intake_halls": []}, "至少指定一个受理网点"),
    ],
)
def test_bad_intake_fields_are_refused_and_nothing_is_written(matters, change, expected):
    exported = catalog_export()
    row = next(row for row in exported["matters"] if row["code"] == "everywhere")
    row.update(change)
    with pytest.raises(CatalogImportError) as excinfo:
        catalog_import(data=exported)
    assert any(expected in problem for problem in excinfo.value.extra["problems"]), (
        excinfo.value.extra["problems"]
    )
    assert Matter.objects.get(code="everywhere").intake_scope == IntakeScope.ALL


def test_the_demo_catalog_has_all_three_scopes_and_a_city_only_matter():
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    scopes = [row["intake_scope"] for row in data["matters"]]
    assert scopes.count("all") > len(scopes) / 2
    assert scopes.count("levels") >= 3
    assert any(
        row["intake_scope"] == "named" and row["intake_halls"] == ["city"]
        for row in data["matters"]
    )
    assert all(
        row["intake_min_level"] == "town"
        for row in data["matters"]
        if row["code"] in ("pol-residence-permit", "soc-minimum-living")
    )
