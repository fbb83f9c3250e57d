"""The citizen portal's catalog pages: home, matter list, guide, bundles."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from matters.models import CatalogStatus, MaterialForm
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

LIST_URL = reverse("matters:matter-list")


def names_on(response) -> str:
    return response.content.decode()


@pytest.fixture
def estate_board(db):
    return BoardFactory(code="estate", name="不动产登记")


@pytest.fixture
def social_board(db):
    return BoardFactory(code="social", name="社会事务")


@pytest.fixture
def catalog(estate_board, social_board):
    land = DepartmentFactory(code="land", name="市自然资源和规划局")
    health = DepartmentFactory(code="health", name="市卫生健康委员会")
    return {
        "transfer": MatterFactory(
            code="estate-transfer",
            name="不动产转移登记",
            board=estate_board,
            lead_department=land,
            online_level=4,
            max_trips=1,
            usage_count=900,
        ),
        "mortgage": MatterFactory(
            code="estate-mortgage",
            name="不动产抵押登记",
            board=estate_board,
            lead_department=land,
            online_level=5,
            max_trips=0,
            usage_count=500,
        ),
        "birth": MatterFactory(
            code="birth-registration",
            name="生育登记",
            board=social_board,
            lead_department=health,
            online_level=5,
            max_trips=0,
            usage_count=700,
        ),
        "draft": MatterFactory(
            code="estate-draft",
            name="不动产更正登记",
            board=estate_board,
            lead_department=land,
            draft=True,
        ),
    }


# Home


def test_home_shows_boards_with_published_counts_and_popular_matters(client, catalog):
    bundle = BundleFactory(
        name="二手房转移登记一件事", matters=[catalog["transfer"], catalog["birth"]]
    )

    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = names_on(response)
    assert "不动产登记" in page
    assert "社会事务" in page
    boards = {board.code: board.published_count for board in response.context["boards"]}
    assert boards == {"estate": 2, "social": 1}  # the draft is not counted
    popular = [matter.code for matter in response.context["popular"]]
    assert popular == ["estate-transfer", "birth-registration", "estate-mortgage"]
    assert "不动产转移登记" in page
    assert "不动产更正登记" not in page
    assert bundle.name in page
    assert f'action="{LIST_URL}"' in page and 'name="q"' in page


def test_home_page_is_chinese_and_accessible_shell(client, db):
    page = names_on(client.get(reverse("home")))
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    assert 'name="viewport"' in page
    assert 'href="#main"' in page and 'id="main"' in page
    assert "<header" in page and "<nav" in page and "<footer" in page
    assert "0571-12345" in page  # the hall's consultation phone
    assert "//cdn" not in page and "https://" not in page and "http://" not in page


# Search and filters


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("生育", {"birth-registration"}),
        ("不动产", {"estate-transfer", "estate-mortgage"}),
        ("birth-reg", {"birth-registration"}),
        ("ESTATE-MORTGAGE", {"estate-mortgage"}),
        ("bdc", {"estate-transfer", "estate-mortgage"}),
        ("bdczy", {"estate-transfer"}),
        ("syd", {"birth-registration"}),
    ],
)
def test_search_by_name_code_or_pinyin_initials(client, catalog, term, expected):
    response = client.get(LIST_URL, {"q": term})

    assert response.status_code == 200
    assert {matter.code for matter in response.context["matters"]} == expected
    assert not response.context["filter_errors"]


def test_list_shows_each_matters_facts(client, catalog):
    page = names_on(client.get(LIST_URL, {"board": "estate"}))

    assert "不动产转移登记" in page and "estate-transfer" in page
    assert "市自然资源和规划局" in page
    assert "最多跑一次" in page and "跑零次" in page
    assert "★★★★☆" in page and "★★★★★" in page
    assert "网上办理深度4星" in page
    assert "承诺件：5个工作日" in page


def test_list_shows_instant_matters_as_done_on_the_spot(client, estate_board):
    MatterFactory(name="不动产登记资料查询", board=estate_board, instant=True)

    page = names_on(client.get(LIST_URL))

    assert "即办件：当场办结" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"board": "estate"}, {"estate-transfer", "estate-mortgage"}),
        ({"department": "health"}, {"birth-registration"}),
        ({"online_level": "5"}, {"estate-mortgage", "birth-registration"}),
        ({"max_trips": "0"}, {"estate-mortgage", "birth-registration"}),
        ({"max_trips": "1"}, {"estate-transfer"}),
        ({"board": "estate", "max_trips": "0"}, {"estate-mortgage"}),
        ({"q": "bdc", "online_level": "4"}, {"estate-transfer"}),
    ],
)
def test_filters(client, catalog, params, expected):
    response = client.get(LIST_URL, params)

    assert response.status_code == 200
    assert {matter.code for matter in response.context["matters"]} == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"online_level": "abc"}, "网上办理深度“abc”无效，应为1至5星"),
        ({"online_level": "9"}, "网上办理深度“9”无效，应为1至5星"),
        ({"max_trips": "3"}, "跑动次数“3”无效，应为0、1或2"),
        ({"max_trips": "-1"}, "跑动次数“-1”无效"),
        ({"board": "nope"}, "没有编码为“nope”的板块"),
        ({"department": "nope"}, "没有编码为“nope”的部门"),
        ({"q": "不" * 51}, "关键词最多50个字"),
    ],
)
def test_bad_filter_gives_a_message_not_a_500(client, catalog, params, message):
    response = client.get(LIST_URL, params)

    assert response.status_code == 200
    page = names_on(response)
    assert message in page
    assert 'role="alert"' in page
    # The bad condition is ignored: every published matter is listed.
    assert len(response.context["matters"]) == 3


def test_a_bad_filter_does_not_drop_the_good_ones(client, catalog):
    response = client.get(LIST_URL, {"board": "estate", "online_level": "abc"})

    assert {matter.code for matter in response.context["matters"]} == {
        "estate-transfer",
        "estate-mortgage",
    }


def test_bad_page_number_shows_a_page(client, catalog):
    for page in ("abc", "999", "-1"):
        assert client.get(LIST_URL, {"page": page}).status_code == 200


def test_list_is_paginated_twenty_a_page_with_links_keeping_the_filters(client, estate_board):
    MatterFactory.create_batch(25, board=estate_board)

    first = client.get(LIST_URL, {"board": "estate"})
    second = client.get(LIST_URL, {"board": "estate", "page": "2"})

    assert len(first.context["matters"]) == 20
    assert len(second.context["matters"]) == 5
    page = names_on(first)
    assert "?board=estate&amp;page=2" in page
    assert "共找到 25 个事项" in page


def test_draft_and_retired_matters_are_not_listed_and_give_404(client, catalog, estate_board):
    retired = MatterFactory(
        code="estate-old", name="不动产旧登记", board=estate_board, status=CatalogStatus.RETIRED
    )

    listed = {matter.code for matter in client.get(LIST_URL).context["matters"]}
    searched = client.get(LIST_URL, {"q": "bdc"}).context["matters"]

    assert "estate-draft" not in listed and retired.code not in listed
    assert {matter.code for matter in searched} == {"estate-transfer", "estate-mortgage"}
    for code in ("estate-draft", retired.code, "no-such-matter"):
        assert client.get(reverse("matters:matter-detail", args=[code])).status_code == 404


# Guide


@pytest.fixture
def guide_matter(db, estate_board):
    land = DepartmentFactory(code="land", name="市自然资源和规划局")
    housing = DepartmentFactory(code="housing", name="市住房和城乡建设局")
    tax = DepartmentFactory(code="tax", name="市税务局")
    matter = MatterFactory(
        code="estate-transfer",
        name="不动产转移登记",
        board=estate_board,
        lead_department=land,
        reviewing_departments=[land, housing, tax],
        legal_days=30,
        committed_days=3,
        legal_extension_days=10,
        max_trips=0,
        online_level=5,
        fee=Decimal("0"),
        conditions="不动产权利发生转移，当事人共同申请。",
        legal_basis="《不动产登记暂行条例》第十四条。",
        deferral_scope="婚姻关系证明暂缺的，可容缺受理，申请人承诺5个工作日内补齐。",
        delivery_methods=["pickup", "courier"],
        places=["市民中心二楼不动产窗口", "城东分中心"],
        consultation_phone="0571-87001234",
        result_name="不动产权证书",
        result_licence_type=LicenceTypeFactory(code="estate-cert", name="不动产权证书电子证照"),
        version=3,
        effective_date=datetime.date(2026, 3, 1),
        with_guide=False,
    )
    ProcessStepFactory(matter=matter, order=1, name="申请", description="网上或窗口提交申请。")
    ProcessStepFactory(matter=matter, order=2, name="审核", description="三部门并联审核。")
    ProcessStepFactory(matter=matter, order=3, name="登簿发证", description="快递送达证书。")
    id_card = MaterialTypeFactory(
        code="id-card",
        name="居民身份证",
        licence_type=LicenceTypeFactory(code="id-licence", name="居民身份证电子证照"),
    )
    RequirementFactory(
        matter=matter, material=id_card, key=True, form=MaterialForm.ORIGINAL, order=1
    )
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(code="contract", name="不动产买卖合同"),
        key=True,
        form=MaterialForm.ORIGINAL_AND_COPY,
        copies=2,
        order=2,
    )
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(code="marriage", name="婚姻关系证明"),
        deferrable=True,
        form=MaterialForm.COPY,
        order=3,
    )
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(code="power-of-attorney", name="授权委托书"),
        required=False,
        condition="委托他人代办的提交",
        order=4,
    )
    return matter


def test_guide_shows_every_element(client, guide_matter):
    response = client.get(reverse("matters:matter-detail", args=["estate-transfer"]))

    assert response.status_code == 200
    page = names_on(response)
    for text in [
        "不动产转移登记",
        "estate-transfer",
        "行政许可",
        "不动产登记",
        # badges
        "跑零次",
        "承诺件",
        "支持容缺受理",
        "网上办理深度5星",
        "五星：全程网办，快递送达",
        # conditions
        "不动产权利发生转移，当事人共同申请。",
        # materials checklist
        "居民身份证",
        "不动产买卖合同",
        "婚姻关系证明",
        "授权委托书",
        "主件",
        "辅件",
        "原件",
        "复印件",
        "原件及复印件",
        "2 份",
        "必交",
        "视情形提交",
        "委托他人代办的提交",
        'tag--defer">可容缺<',
        "婚姻关系证明暂缺的，可容缺受理，申请人承诺5个工作日内补齐。",
        "持有有效“居民身份证电子证照”电子证照的，无需提交纸质材料",
        # process, in order
        "申请",
        "三部门并联审核。",
        "登簿发证",
        # time limits
        "法定时限",
        "30 个工作日",
        "承诺时限",
        "3 个工作日",
        "10 个工作日（须书面说明理由）",
        # fee
        "免费",
        # places (every hall: 全市通办, then the note) and delivery
        "全市通办",
        "办理地点说明",
        "市民中心二楼不动产窗口",
        "城东分中心",
        "窗口领取",
        "快递送达",
        # consultation, departments, result, basis, version
        "0571-87001234",
        "市自然资源和规划局",
        "市住房和城乡建设局",
        "市税务局",
        "并联审核",
        "不动产权证书",
        "不动产权证书电子证照",
        "《不动产登记暂行条例》第十四条。",
        "第 3 版",
        "2026年3月1日",
    ]:
        assert text in page, text
    assert (
        page.index("网上或窗口提交申请。")
        < page.index("三部门并联审核。")
        < page.index("快递送达证书。")
    )
    assert "<table" in page and '<th scope="col">' in page


def test_guide_of_an_instant_paid_matter(client, estate_board):
    matter = MatterFactory(
        name="不动产登记资料查询",
        board=estate_board,
        instant=True,
        reviewing_departments=[],
        fee=Decimal("25.00"),
        fee_basis="《不动产登记收费标准》。",
        places=["市民中心"],
    )

    page = names_on(client.get(reverse("matters:matter-detail", args=[matter.code])))

    assert "即办件：当场办结" in page
    assert "当场办结" in page
    assert "25.00 元" in page
    assert "《不动产登记收费标准》。" in page
    assert "最多跑一次" in page
    assert "窗口当场审核，不设后台审核" in page
    assert "办理地点说明" in page  # one place note is still a note
    assert "免费" not in page


def test_guide_runs_a_fixed_number_of_queries(client, guide_matter, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("matters:matter-detail", args=["estate-transfer"]))

    assert response.status_code == 200
    page = names_on(response)
    assert "不动产转移登记" in page and "estate-transfer" in page


# Bundles


@pytest.fixture
def bundle(db, estate_board):
    id_card = MaterialTypeFactory(code="id-card", name="居民身份证")
    water = MatterFactory(code="water-transfer", name="用水过户", board=estate_board)
    power = MatterFactory(code="power-transfer", name="用电过户", board=estate_board)
    RequirementFactory(matter=water, material=id_card, key=True)
    RequirementFactory(matter=power, material=id_card, key=True)
    RequirementFactory(
        matter=water, material=MaterialTypeFactory(code="water-bill", name="水费缴费凭证")
    )
    return BundleFactory(
        code="estate-utilities",
        name="二手房水电过户一件事",
        matters=[water, power],
    )


def test_bundle_lists_a_shared_material_once_with_the_matters_needing_it(client, bundle):
    response = client.get(reverse("matters:bundle-detail", args=[bundle.code]))

    assert response.status_code == 200
    page = names_on(response)
    assert page.count("居民身份证") == 1
    assert "水费缴费凭证" in page
    rows = {row["requirement"].material.code: row for row in response.context["requirements"]}
    assert [m.code for m in rows["id-card"]["requirement"].matters] == [
        "water-transfer",
        "power-transfer",
    ]
    assert [m.code for m in rows["water-bill"]["requirement"].matters] == ["water-transfer"]
    assert "用水过户" in page and "用电过户" in page
    assert "所需事项" in page


def test_bundle_list_shows_the_saving_in_materials(client, bundle):
    page = names_on(client.get(reverse("matters:bundle-list")))

    assert "二手房水电过户一件事" in page
    # 2 factory materials + 2 ID cards + 1 bill separately; 2 + 1 + 1 merged.
    assert "分别办理需提交 5 项材料，合并后只需 4 项" in page


def test_draft_bundle_gives_404(client, db):
    bundle = BundleFactory(status=CatalogStatus.DRAFT, matters=[MatterFactory(), MatterFactory()])

    assert client.get(reverse("matters:bundle-detail", args=[bundle.code])).status_code == 404
    assert bundle.name not in names_on(client.get(reverse("matters:bundle-list")))


# A constant number of queries whatever the catalog's size


def build_catalog(size: int) -> None:
    boards = [BoardFactory() for _ in range(4)]
    departments = [DepartmentFactory() for _ in range(3)]
    matters = [
        MatterFactory(
            board=boards[n % 4],
            lead_department=departments[n % 3],
            usage_count=n,
            max_trips=n % 2,
            online_level=5 if n % 2 == 0 else 4,
        )
        for n in range(size)
    ]
    BundleFactory(matters=matters[:2])
    BundleFactory(matters=matters[2:4])


@pytest.mark.parametrize("size", [5, 60])
def test_home_runs_a_constant_number_of_queries(client, db, django_assert_max_num_queries, size):
    build_catalog(size)

    with django_assert_max_num_queries(3):
        response = client.get(reverse("home"))

    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_list_runs_a_constant_number_of_queries(client, db, django_assert_max_num_queries, size):
    build_catalog(size)

    with django_assert_max_num_queries(4):
        response = client.get(LIST_URL, {"q": "cssx", "max_trips": "0", "page": "2"})

    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_bundle_pages_run_a_constant_number_of_queries(
    client, db, django_assert_max_num_queries, size
):
    build_catalog(size)

    with django_assert_max_num_queries(6):
        assert client.get(reverse("matters:bundle-list")).status_code == 200


def test_signed_in_pages_add_only_the_session_user_and_unread_count(
    client, citizen, django_assert_max_num_queries
):
    build_catalog(30)
    # UserFactory with a role trait leaves the password unsaved (see the report); save it so
    # that the session's auth hash matches the stored user.
    citizen.save(update_fields=["password"])
    client.force_login(citizen)

    # Three for the page, session and user, the navigation's unread messages.
    with django_assert_max_num_queries(6):
        page = names_on(client.get(reverse("home")))

    assert "李四" in page and "退出" in page
