"""The catalog API: matter list and search, matter guide, bundles with merged checklists."""

from decimal import Decimal

import pytest
from django.urls import reverse

from halls.selectors import city_centre
from matters.models import CatalogStatus, MaterialForm, Matter
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

MATTERS = "/api/v1/matters/"
BUNDLES = "/api/v1/bundles/"


@pytest.fixture
def catalog(db):
    """Two boards, three departments, four published matters, one draft, one retired."""
    house = BoardFactory(code="house", name="不动产登记", letter="B", order=1)
    market = BoardFactory(code="market", name="商事登记", letter="S", order=2)
    zrzy = DepartmentFactory(code="zrzy", name="市自然资源和规划局")
    sjj = DepartmentFactory(code="sjj", name="市市场监督管理局")
    sw = DepartmentFactory(code="sw", name="市税务局")
    return {
        "boards": (house, market),
        "departments": (zrzy, sjj, sw),
        "transfer": MatterFactory(
            code="bdc-zydj",
            name="不动产转移登记",
            board=house,
            lead_department=zrzy,
            online_level=5,
            max_trips=0,
        ),
        "mortgage": MatterFactory(
            code="bdc-dydj",
            name="不动产抵押权登记",
            board=house,
            lead_department=zrzy,
            online_level=4,
        ),
        "food": MatterFactory(
            code="sp-jyxk",
            name="食品经营许可证核发",
            board=market,
            lead_department=sjj,
            online_level=3,
        ),
        "company": MatterFactory(
            code="qy-sldj",
            name="企业设立登记",
            board=market,
            lead_department=sjj,
            online_level=5,
            max_trips=0,
            instant=True,
            reviewing_departments=[],
        ),
        "draft": MatterFactory(
            code="bdc-cg", name="不动产首次登记", board=house, lead_department=zrzy, draft=True
        ),
        "retired": MatterFactory(
            code="bdc-old",
            name="不动产旧登记",
            board=house,
            lead_department=zrzy,
            status=CatalogStatus.RETIRED,
        ),
    }


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


# --- list -------------------------------------------------------------------------------


def test_url_names():
    assert reverse("api:matter-list") == MATTERS
    assert reverse("api:matter-detail", kwargs={"code": "bdc-zydj"}) == MATTERS + "bdc-zydj/"
    assert reverse("api:bundle-list") == BUNDLES


def test_list_is_paginated_and_published_only(api_client, catalog):
    response = api_client.get(MATTERS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert body["next"] is None and body["previous"] is None
    # Board order first, then code.
    assert codes(response) == ["bdc-dydj", "bdc-zydj", "qy-sldj", "sp-jyxk"]


def test_list_item_shape(api_client, catalog):
    item = api_client.get(MATTERS, {"search": "转移"}).json()["results"][0]

    assert item == {
        "code": "bdc-zydj",
        "name": "不动产转移登记",
        "board": {"code": "house", "name": "不动产登记"},
        "lead_department": {"code": "zrzy", "name": "市自然资源和规划局"},
        "handling_type": "promised",
        "committed_days": 5,
        "max_trips": 0,
        "online_level": 5,
    }


def test_pagination_pages(api_client, db):
    board = BoardFactory()
    for n in range(25):
        MatterFactory(code=f"p{n:03d}", board=board, lead_department=DepartmentFactory(code="d"))

    first = api_client.get(MATTERS).json()
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/matters/?page=2")

    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["previous"] is not None

    small = api_client.get(MATTERS, {"page_size": 10, "page": 3}).json()
    assert [item["code"] for item in small["results"]] == [f"p{n:03d}" for n in range(20, 25)]


def test_page_out_of_range_is_404_json(api_client, catalog):
    response = api_client.get(MATTERS, {"page": 9})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("不动产", ["bdc-dydj", "bdc-zydj"]),  # Chinese substring
        ("许可证", ["sp-jyxk"]),
        ("BDC-ZY", ["bdc-zydj"]),  # code, any case
        ("sp-jy", ["sp-jyxk"]),
        ("bdc", ["bdc-dydj", "bdc-zydj"]),  # pinyin initials (and code)
        ("spjy", ["sp-jyxk"]),  # pinyin initials only: 食品经营
        ("QYSL", ["qy-sldj"]),  # initials, upper case
        ("  转移登记 ", ["bdc-zydj"]),  # trimmed
        ("首次", []),  # drafts never show
        ("旧登记", []),  # nor retired matters
        ("没有这个", []),
    ],
)
def test_search(api_client, catalog, term, expected):
    response = api_client.get(MATTERS, {"search": term})
    assert response.status_code == 200
    assert codes(response) == expected


def test_filter_board_department_level_trips(api_client, catalog):
    assert codes(api_client.get(MATTERS, {"board": "market"})) == ["qy-sldj", "sp-jyxk"]
    assert codes(api_client.get(MATTERS, {"department": "zrzy"})) == ["bdc-dydj", "bdc-zydj"]
    assert codes(api_client.get(MATTERS, {"department": "sw"})) == []
    assert codes(api_client.get(MATTERS, {"online_level": 5})) == ["bdc-zydj", "qy-sldj"]
    assert codes(api_client.get(MATTERS, {"max_trips": 0})) == ["bdc-zydj", "qy-sldj"]
    assert codes(api_client.get(MATTERS, {"max_trips": 1})) == ["bdc-dydj", "sp-jyxk"]
    combined = api_client.get(
        MATTERS, {"search": "登记", "board": "market", "online_level": 5, "max_trips": 0}
    )
    assert codes(combined) == ["qy-sldj"]


def test_empty_filters_mean_no_filter(api_client, catalog):
    response = api_client.get(MATTERS, {"search": "", "board": "", "department": ""})
    assert response.json()["count"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"online_level": "9"}, "online_level"),
        ({"online_level": "abc"}, "online_level"),
        ({"max_trips": "3"}, "max_trips"),
        ({"board": "nowhere"}, "board"),
        ({"board": "不是编码"}, "board"),
        ({"department": "nobody"}, "department"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_bad_filter_is_400_with_field_error(api_client, catalog, params, field):
    response = api_client.get(MATTERS, params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert isinstance(body[field], list) and body[field]


def test_bad_filter_message(api_client, catalog):
    body = api_client.get(MATTERS, {"board": "nowhere", "max_trips": "3"}).json()
    assert body["board"] == ["没有这个板块。"]
    assert set(body) == {"board", "max_trips", "detail", "code"}


# --- detail -----------------------------------------------------------------------------


@pytest.fixture
def guide(db):
    """A promised matter with two reviewing departments, three requirements, two steps."""
    house = BoardFactory(code="house", name="不动产登记", letter="B")
    zrzy = DepartmentFactory(code="zrzy", name="市自然资源和规划局")
    sw = DepartmentFactory(code="sw", name="市税务局")
    certificate = LicenceTypeFactory(code="bdcqz", name="不动产权证书")
    id_licence = LicenceTypeFactory(code="sfz", name="居民身份证")
    idcard = MaterialTypeFactory(code="sfz", name="居民身份证", licence_type=id_licence)
    contract = MaterialTypeFactory(code="htzm", name="买卖合同")
    tax = MaterialTypeFactory(code="wszm", name="完税证明")
    matter = MatterFactory(
        code="bdc-zydj",
        name="不动产转移登记",
        board=house,
        lead_department=zrzy,
        reviewing_departments=[zrzy, sw],
        committed_days=3,
        legal_days=30,
        legal_extension_days=10,
        max_trips=0,
        online_level=5,
        fee=Decimal("80.00"),
        fee_basis="《不动产登记收费标准》",
        conditions="产权清晰，无查封。",
        legal_basis="《不动产登记暂行条例》第十四条。",
        places=["市民中心", "东区分中心"],
        delivery_methods=["pickup", "courier"],
        consultation_phone="0571-12345",
        deferral_scope="完税证明可容缺，5个工作日内补齐。",
        result_name="不动产权证书",
        result_licence_type=certificate,
        with_guide=False,
    )
    ProcessStepFactory(matter=matter, order=2, name="审核", description="部门审核。", days=2)
    ProcessStepFactory(matter=matter, order=1, name="受理", description="窗口受理。", days=0)
    first = RequirementFactory(matter=matter, material=idcard, key=True, order=1)
    second = RequirementFactory(
        matter=matter,
        material=contract,
        order=2,
        copies=2,
        form=MaterialForm.ORIGINAL_AND_COPY,
        notes="需双方签字",
    )
    third = RequirementFactory(
        matter=matter,
        material=tax,
        order=3,
        deferrable=True,
        required=False,
        condition="涉及契税的",
    )
    return matter, (first, second, third)


def test_detail_shape_field_by_field(api_client, guide):
    _matter, (first, second, third) = guide
    centre = city_centre()

    response = api_client.get(f"{MATTERS}bdc-zydj/")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "code": "bdc-zydj",
        "name": "不动产转移登记",
        "kind": "licensing",
        "board": {"code": "house", "name": "不动产登记"},
        "lead_department": {"code": "zrzy", "name": "市自然资源和规划局"},
        "handling_type": "promised",
        "committed_days": 3,
        "legal_days": 30,
        "legal_extension_days": 10,
        "max_trips": 0,
        "trips_exception_reason": "",
        "online_level": 5,
        "delivery_methods": ["pickup", "courier"],
        "reviewing_departments": [
            {"code": "sw", "name": "市税务局"},
            {"code": "zrzy", "name": "市自然资源和规划局"},
        ],
        "questions": [],
        "requirements": [
            {
                "id": first.id,
                "material": {"code": "sfz", "name": "居民身份证"},
                "key": True,
                "required": True,
                "deferrable": False,
                "provided_by": "applicant",
                "copies": 1,
                "licence_type": "sfz",
                "data_item": None,
                "form": "original",
                "condition": "",
                "selected_by": [],
                "notes": "",
            },
            {
                "id": second.id,
                "material": {"code": "htzm", "name": "买卖合同"},
                "key": False,
                "required": True,
                "deferrable": False,
                "provided_by": "applicant",
                "copies": 2,
                "licence_type": None,
                "data_item": None,
                "form": "original_and_copy",
                "condition": "",
                "selected_by": [],
                "notes": "需双方签字",
            },
            {
                "id": third.id,
                "material": {"code": "wszm", "name": "完税证明"},
                "key": False,
                "required": False,
                "deferrable": True,
                "provided_by": "applicant",
                "copies": 1,
                "licence_type": None,
                "data_item": None,
                "form": "original",
                "condition": "涉及契税的",
                "selected_by": [],
                "notes": "",
            },
        ],
        "result": {"name": "不动产权证书", "licence_type": "bdcqz"},
        "fee": "80.00",
        "fee_basis": "《不动产登记收费标准》",
        "conditions": "产权清晰，无查封。",
        "legal_basis": "《不动产登记暂行条例》第十四条。",
        "steps": [
            {"order": 1, "name": "受理", "description": "窗口受理。", "days": 0},
            {"order": 2, "name": "审核", "description": "部门审核。", "days": 2},
        ],
        "intake": {
            "scope": "all",
            "scope_label": "全市通办：所有网点",
            "min_level": None,
            "halls": [{"code": centre.code, "name": centre.name, "level": "city"}],
        },
        "places": ["市民中心", "东区分中心"],
        "consultation_phone": "0571-12345",
        "deferral_scope": "完税证明可容缺，5个工作日内补齐。",
        "version": 1,
        "effective_date": None,
    }


def test_detail_instant_without_result_licence(api_client, db):
    MatterFactory(code="jb-1", instant=True, reviewing_departments=[])
    body = api_client.get(f"{MATTERS}jb-1/").json()
    assert body["handling_type"] == "instant"
    assert body["committed_days"] == 0
    assert body["reviewing_departments"] == []
    assert body["result"] == {"name": "准予许可决定书", "licence_type": None}


def test_detail_queries_do_not_grow_with_requirements(
    api_client, guide, django_assert_max_num_queries
):
    matter, _ = guide
    # The matter, its requirements (and the answers selecting them), steps, departments,
    # questions and their options, and the halls that take it in.
    with django_assert_max_num_queries(9):
        api_client.get(f"{MATTERS}bdc-zydj/")
    for _n in range(10):
        RequirementFactory(
            matter=matter, material=MaterialTypeFactory(licence_type=LicenceTypeFactory())
        )
        ProcessStepFactory(matter=matter)
    with django_assert_max_num_queries(9):
        assert len(api_client.get(f"{MATTERS}bdc-zydj/").json()["requirements"]) == 13


@pytest.mark.parametrize("code", ["bdc-cg", "bdc-old", "nothing-here"])
def test_unpublished_or_unknown_is_404_json(api_client, catalog, code):
    response = api_client.get(f"{MATTERS}{code}/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found"
    assert body["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_catalog_is_read_only(citizen_api, catalog, method):
    url = MATTERS if method == "post" else f"{MATTERS}bdc-zydj/"
    response = getattr(citizen_api, method)(url, {})
    assert response.status_code == 405


# --- bundles ----------------------------------------------------------------------------


@pytest.fixture
def bundle(db):
    """Two matters that both ask for the ID card; the bundle asks for it once."""
    idcard = MaterialTypeFactory(code="sfz", name="居民身份证")
    licence = MaterialTypeFactory(code="yyzz", name="营业执照")
    lease = MaterialTypeFactory(code="zlht", name="租赁合同")
    board = BoardFactory(code="market", name="商事登记", letter="S")
    sjj = DepartmentFactory(code="sjj", name="市市场监督管理局")
    open_shop = MatterFactory(
        code="qy-sldj", name="企业设立登记", board=board, lead_department=sjj, with_guide=False
    )
    food = MatterFactory(
        code="sp-jyxk",
        name="食品经营许可证核发",
        board=board,
        lead_department=sjj,
        with_guide=False,
    )
    a = RequirementFactory(matter=open_shop, material=idcard, key=True, copies=1)
    b = RequirementFactory(matter=open_shop, material=lease, deferrable=True)
    c = RequirementFactory(matter=food, material=idcard, key=False, copies=2)
    d = RequirementFactory(matter=food, material=licence, required=False, condition="已设立的")
    BundleFactory(
        code="kdt", name="开一家餐饮店", description="一次办好开店", matters=[open_shop, food]
    )
    BundleFactory(code="draft-bundle", matters=[food], status=CatalogStatus.DRAFT)
    return a, b, c, d


def test_bundle_detail_merges_requirements(api_client, bundle):
    a, b, c, d = bundle

    response = api_client.get(f"{BUNDLES}kdt/")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "kdt"
    assert body["name"] == "开一家餐饮店"
    assert body["description"] == "一次办好开店"
    assert [m["code"] for m in body["matters"]] == ["qy-sldj", "sp-jyxk"]
    assert body["matters"][0]["board"] == {"code": "market", "name": "商事登记"}
    requirements = body["requirements"]
    # The ID card is asked once, for both matters.
    assert [r["material"]["code"] for r in requirements] == ["sfz", "zlht", "yyzz"]
    assert requirements[0] == {
        "material": {"code": "sfz", "name": "居民身份证"},
        "key": True,
        "required": True,
        "deferrable": False,
        "provided_by": "applicant",
        "copies": 2,
        "form": "original",
        "conditions": [],
        "licence_type": None,
        "data_item": None,
        "matters": ["qy-sldj", "sp-jyxk"],
        "requirement_ids": [a.id, c.id],
    }
    assert requirements[1]["deferrable"] is True
    assert requirements[1]["matters"] == ["qy-sldj"]
    assert requirements[1]["requirement_ids"] == [b.id]
    assert requirements[2]["required"] is False
    assert requirements[2]["conditions"] == ["已设立的"]
    assert requirements[2]["requirement_ids"] == [d.id]


def test_bundle_list_paginated_published_only(api_client, bundle):
    response = api_client.get(BUNDLES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [item["code"] for item in body["results"]] == ["kdt"]
    assert len(body["results"][0]["requirements"]) == 3


@pytest.mark.parametrize("code", ["draft-bundle", "nothing"])
def test_bundle_unpublished_or_unknown_is_404(api_client, bundle, code):
    response = api_client.get(f"{BUNDLES}{code}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- constant queries -------------------------------------------------------------------


def _build_catalog(size: int) -> None:
    boards = [BoardFactory() for _ in range(2)]
    departments = [DepartmentFactory() for _ in range(2)]
    matters = []
    for n in range(size):
        matter = MatterFactory(
            name=f"不动产登记{n}",
            board=boards[n % 2],
            lead_department=departments[n % 2],
            reviewing_departments=departments,
        )
        RequirementFactory(matter=matter)
        matters.append(matter)
    for n in range(0, size, 2):
        BundleFactory(matters=matters[n : n + 2])


MATTER_LIST_QUERIES = 2  # count + page
BUNDLE_LIST_QUERIES = 5  # count + bundles + items with matters + reviewing departments + reqs


@pytest.mark.parametrize("size", [2, 16])
def test_matter_list_constant_queries(api_client, db, size, django_assert_max_num_queries):
    _build_catalog(size)
    with django_assert_max_num_queries(MATTER_LIST_QUERIES):
        response = api_client.get(MATTERS, {"search": "bdc"})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [2, 16])
def test_matter_list_with_filters_constant_queries(
    api_client, db, size, django_assert_max_num_queries
):
    _build_catalog(size)
    board = Matter.objects.first().board.code
    # One existence check per code filter given, then count and page.
    with django_assert_max_num_queries(MATTER_LIST_QUERIES + 1):
        response = api_client.get(MATTERS, {"board": board, "online_level": 4})
    assert response.json()["count"] == size // 2


@pytest.mark.parametrize("size", [2, 16])
def test_bundle_list_constant_queries(api_client, db, size, django_assert_max_num_queries):
    _build_catalog(size)
    with django_assert_max_num_queries(BUNDLE_LIST_QUERIES):
        response = api_client.get(BUNDLES)
    body = response.json()
    assert body["count"] == size // 2
    assert all(len(item["requirements"]) == 4 for item in body["results"])
