"""Catalog search benchmark: p50/p95 of the matter API and the search page on 5,000 matters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_bench \
        .venv/bin/python bench/catalog_search.py [--matters 5000] [--searches 200] [--rebuild]
        [--index none|trgm] [--explain]

It needs PostgreSQL and a database of its own whose name ends in ``bench`` (created if it does
not exist, migrated, its catalog tables emptied and refilled); it refuses anything else so
that it never touches the real ``onetrip`` database. See bench/README.md.
"""

import argparse
import os
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import bench_database_url, ensure_database
from timing import percentile

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

# Catalog vocabulary: object × action (× qualifier) gives realistic matter names, so that
# Chinese substrings, codes and pinyin initials (不动产 → bdc) all find something.
# fmt: off
OBJECTS = [
    "不动产", "国有建设用地使用权", "房屋所有权", "机动车", "机动车驾驶证", "非机动车",
    "居民身份证", "居住证", "户口", "出生医学证明", "婚姻", "收养", "社会保障卡", "养老保险",
    "医疗保险", "失业保险", "工伤保险", "住房公积金", "营业执照", "个体工商户营业执照",
    "农民专业合作社", "食品经营许可证", "食品生产许可证", "药品经营许可证", "医疗器械经营",
    "化妆品生产许可证", "建筑工程施工许可证", "建设工程规划许可证", "建设用地规划许可证",
    "商品房预售许可证", "排污许可证", "取水许可证", "林木采伐许可证", "渔业捕捞许可证",
    "道路运输经营许可证", "道路运输从业资格证", "出租汽车驾驶员从业资格证", "网络预约出租汽车",
    "特种设备使用登记证", "特种作业操作证", "消防安全检查", "人防工程", "燃气经营许可证",
    "城市道路占用挖掘", "户外广告设置", "城市建筑垃圾处置", "公共场所卫生许可证", "医师执业证书",
    "护士执业证书", "教师资格证", "民办学校办学许可证", "职业技能等级证书", "劳务派遣经营许可证",
    "人力资源服务许可证", "出版物经营许可证", "印刷经营许可证", "文艺表演团体", "网吧经营许可证",
    "旅行社业务经营许可证", "宗教活动场所", "社会团体", "民办非企业单位", "基金会", "慈善组织",
    "残疾人证", "老年人优待证", "最低生活保障", "特困人员救助供养", "临时救助", "退役军人优待证",
    "烈士遗属", "税务", "发票", "增值税", "个人所得税", "契税", "车船税", "出口退税",
    "海关报关单位", "进出口货物收发货人", "动物防疫条件合格证", "兽药经营许可证",
    "农药经营许可证", "种子生产经营许可证", "拖拉机和联合收割机", "船舶", "船员适任证书",
    "危险化学品经营许可证", "烟花爆竹经营许可证", "放射诊疗许可", "母婴保健技术服务", "计划生育",
    "档案", "法律援助", "公证", "司法鉴定",
]
ACTIONS = [
    "登记", "核发", "变更", "注销", "延续", "换证", "补证", "备案", "审批", "确认", "查询",
    "申领", "迁移", "转移登记", "抵押登记", "首次登记", "年度报告", "认定", "撤销", "核准",
    "信息更正", "缴存", "提取", "转移接续", "资格认证",
]
QUALIFIERS = [
    "", "", "", "（个人）", "（企业）", "（分支机构）", "（跨省通办）", "（首次申请）",
]
KIND_CODES = {
    "licensing": "xk",
    "confirmation": "qr",
    "benefit": "gf",
    "ruling": "cj",
    "reward": "jl",
    "other_power": "qt",
    "public_service": "gg",
}
DEPARTMENTS = [
    ("gaj", "市公安局"), ("mzj", "市民政局"), ("sfj", "市司法局"), ("czj", "市财政局"),
    ("rsj", "市人力资源和社会保障局"), ("zrzy", "市自然资源和规划局"), ("sthj", "市生态环境局"),
    ("zjj", "市住房和城乡建设局"), ("jtj", "市交通运输局"), ("slj", "市水利局"),
    ("nyj", "市农业农村局"), ("swj", "市商务局"), ("wgl", "市文化广电旅游局"),
    ("wjw", "市卫生健康委员会"), ("tyj", "市退役军人事务局"), ("yjj", "市应急管理局"),
    ("scjg", "市市场监督管理局"), ("ybj", "市医疗保障局"), ("gjj", "市住房公积金管理中心"),
    ("sw", "国家税务总局市税务局"), ("hg", "市海关"), ("jyj", "市教育局"),
    ("kjj", "市科学技术局"), ("jxj", "市经济和信息化局"), ("mzzj", "市民族宗教事务局"),
    ("tjj", "市统计局"), ("cgj", "市城市管理局"), ("rfb", "市人民防空办公室"),
    ("daj", "市档案局"), ("cl", "市残疾人联合会"),
]
BOARDS = [
    ("house", "不动产登记", "B"), ("market", "商事登记", "S"), ("build", "投资建设", "T"),
    ("social", "社会事务", "H"), ("police", "公安户政", "G"), ("tax", "税务", "W"),
    ("traffic", "交通运输", "J"), ("health", "医疗卫生", "Y"),
]
SEARCH_TERMS = {
    "chinese": [
        "不动产", "登记", "许可证", "驾驶证", "营业执照变更", "公积金", "食品经营", "注销",
        "社会保障卡", "医师执业", "跨省通办", "核发",
    ],
    "code": [
        "xk-gaj", "xk-scjg-0", "qr-", "01234", "gf-rsj-1", "QT-CGJ",
    ],
    "pinyin": [
        "bdc", "jdc", "spjy", "yyzz", "zfgjj", "dj", "xkz", "sbk", "bdcdydj",
    ],
}
LICENCES = [
    "营业执照", "居民身份证", "不动产权证书", "机动车驾驶证", "社会保障卡", "食品经营许可证",
    "户口簿", "结婚证", "出生医学证明", "药品经营许可证",
]
# fmt: on
BENCH_INDEXES = {
    "matter_name_trgm_bench": (
        "CREATE INDEX IF NOT EXISTS matter_name_trgm_bench ON matters_matter "
        'USING gin (UPPER("name"::text) gin_trgm_ops)'
    ),
    "matter_code_trgm_bench": (
        "CREATE INDEX IF NOT EXISTS matter_code_trgm_bench ON matters_matter "
        'USING gin (UPPER("code"::text) gin_trgm_ops)'
    ),
    "matter_initials_trgm_bench": (
        "CREATE INDEX IF NOT EXISTS matter_initials_trgm_bench ON matters_matter "
        "USING gin (pinyin_initials gin_trgm_ops)"
    ),
}


def build_catalog(size: int, seed: int) -> None:
    """Empty the catalog tables and bulk-create ``size`` matters with guides and bundles."""
    from django.db import connection, transaction

    from accounts.models import Department
    from matters.models import (
        Board,
        Bundle,
        BundleItem,
        CatalogStatus,
        HandlingType,
        LicenceType,
        MaterialType,
        Matter,
        MatterKind,
        ProcessStep,
        Requirement,
    )
    from matters.search import pinyin_initials

    rng = random.Random(seed)
    started = time.perf_counter()
    models = [
        BundleItem,
        Bundle,
        Requirement,
        ProcessStep,
        Matter.reviewing_departments.through,
        Matter,
        MaterialType,
        LicenceType,
        Board,
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            # Departments are referenced by users; only the bench's own ones are replaced.
            Department.objects.filter(code__in=[code for code, _ in DEPARTMENTS]).delete()

        departments = Department.objects.bulk_create(
            [Department(code=code, name=name) for code, name in DEPARTMENTS]
        )
        boards = Board.objects.bulk_create(
            [
                Board(code=code, name=name, letter=letter, order=order)
                for order, (code, name, letter) in enumerate(BOARDS)
            ]
        )
        licences = LicenceType.objects.bulk_create(
            [LicenceType(code=f"lic{n:02d}", name=name) for n, name in enumerate(LICENCES)]
        )
        materials = MaterialType.objects.bulk_create(
            [
                MaterialType(
                    code=f"mat{n:03d}",
                    name=f"{obj}{suffix}",
                    licence_type=licences[n % len(licences)] if n % 7 == 0 else None,
                )
                for n, (obj, suffix) in enumerate(
                    (obj, suffix)
                    for suffix in ("申请表", "证明材料", "复印件")
                    for obj in OBJECTS[:40]
                )
            ]
        )

        names = list(
            {
                f"{obj}{action}{qualifier}"
                for obj in OBJECTS
                for action in ACTIONS
                for qualifier in QUALIFIERS
            }
        )
        names.sort()
        rng.shuffle(names)
        kinds = list(MatterKind)
        matters = []
        for n, name in enumerate(names[:size]):
            kind = kinds[n % len(kinds)] if n % 3 else MatterKind.LICENSING
            department = departments[rng.randrange(len(departments))]
            instant = n % 5 == 0
            status = CatalogStatus.PUBLISHED
            if n % 20 == 0:
                status = CatalogStatus.DRAFT
            elif n % 33 == 0:
                status = CatalogStatus.RETIRED
            matters.append(
                Matter(
                    code=f"{KIND_CODES[kind]}-{department.code}-{n:05d}",
                    name=name,
                    pinyin_initials=pinyin_initials(name),
                    kind=kind,
                    board=boards[n % len(boards)],
                    lead_department=department,
                    handling_type=HandlingType.INSTANT if instant else HandlingType.PROMISED,
                    legal_days=20,
                    committed_days=0 if instant else rng.choice([1, 3, 5, 7, 10]),
                    legal_extension_days=10,
                    max_trips=rng.choice([0, 1]),
                    online_level=rng.randint(1, 5),
                    conditions="申请人符合法定条件。",
                    legal_basis="《中华人民共和国行政许可法》。",
                    delivery_methods=["pickup", "courier"],
                    places=["市民中心"],
                    consultation_phone="0571-12345",
                    result_name=f"{name}决定书",
                    status=status,
                    usage_count=rng.randint(0, 50000),
                )
            )
        matters = Matter.objects.bulk_create(matters, batch_size=1000)

        through = Matter.reviewing_departments.through
        reviews, steps, requirements = [], [], []
        for matter in matters:
            if matter.handling_type == HandlingType.PROMISED:
                reviewers = {matter.lead_department_id}
                if rng.random() < 0.3:
                    reviewers.add(departments[rng.randrange(len(departments))].id)
                reviews.extend(
                    through(matter_id=matter.id, department_id=dept) for dept in reviewers
                )
            steps.append(ProcessStep(matter=matter, order=1, name="受理", description="窗口受理。"))
            steps.append(
                ProcessStep(matter=matter, order=2, name="审核", description="部门审核。", days=2)
            )
            for order, material in enumerate(rng.sample(materials, rng.randint(3, 5)), 1):
                requirements.append(
                    Requirement(
                        matter=matter,
                        material=material,
                        order=order,
                        key=order == 1,
                        deferrable=order > 2 and rng.random() < 0.2,
                    )
                )
        through.objects.bulk_create(reviews, batch_size=5000)
        ProcessStep.objects.bulk_create(steps, batch_size=5000)
        Requirement.objects.bulk_create(requirements, batch_size=5000)

        published = [m for m in matters if m.status == CatalogStatus.PUBLISHED]
        bundles = Bundle.objects.bulk_create(
            [
                Bundle(code=f"bundle{n:03d}", name=f"一件事{n:03d}", status=CatalogStatus.PUBLISHED)
                for n in range(50)
            ]
        )
        BundleItem.objects.bulk_create(
            [
                BundleItem(bundle=bundle, matter=matter, order=order)
                for bundle in bundles
                for order, matter in enumerate(rng.sample(published, rng.randint(2, 4)))
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {len(matters)} matters ({len(published)} published), {len(requirements)} "
        f"requirements, {len(bundles)} bundles in {time.perf_counter() - started:.1f} s"
    )


def set_indexes(mode: str) -> None:
    """Create (``trgm``) or drop (``none``) the candidate trigram indexes, bench database only."""
    from django.db import connection

    with connection.cursor() as cursor:
        if mode == "trgm":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for statement in BENCH_INDEXES.values():
                cursor.execute(statement)
            cursor.execute("ANALYZE matters_matter")
        else:
            for name in BENCH_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def measure(client, path: str, param: str, searches: int) -> dict[str, list[float]]:
    """Time ``searches`` GETs of ``path`` cycling through the terms; ms per category."""
    terms = [(category, term) for category, items in SEARCH_TERMS.items() for term in items]
    for _category, term in terms:  # warm-up: connection, caches, plans
        client.get(path, {param: term})
    samples: dict[str, list[float]] = {category: [] for category in SEARCH_TERMS}
    for n in range(searches):
        category, term = terms[n % len(terms)]
        started = time.perf_counter()
        response = client.get(path, {param: term})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"GET {path}?{param}={term} answered {response.status_code}")
        samples[category].append(elapsed)
    return samples


def print_table(results: dict[str, dict[str, list[float]]]) -> None:
    header = f"{'endpoint':<34}{'terms':<10}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    print(header)
    print("-" * len(header))
    for endpoint, samples in results.items():
        rows = [*samples.items(), ("all", [s for values in samples.values() for s in values])]
        for category, values in rows:
            print(
                f"{endpoint:<34}{category:<10}{len(values):>5}{percentile(values, 50):>9.1f}"
                f"{percentile(values, 95):>9.1f}{max(values):>9.1f}"
            )
        print()


def explain() -> None:
    """EXPLAIN ANALYZE of the API's two queries (count, first page) for a term of each kind."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matters.selectors import matter_list

    for term in ("不动产", "登记", "xk-gaj", "bdc"):
        queryset = matter_list(search=term)
        with CaptureQueriesContext(connection) as captured:
            queryset.count()
            list(queryset[:20])
        for label, query in zip(("count", "first page"), captured.captured_queries, strict=True):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"--- search={term!r}: {label}\n{plan}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=5000)
    parser.add_argument("--searches", type=int, default=200, help="per endpoint (≥ 200)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if the size fits")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--index",
        choices=["none", "trgm"],
        default="none",
        help="drop or create candidate pg_trgm GIN indexes before measuring (bench db only)",
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    args = parser.parse_args()

    url = bench_database_url("catalog_search.py")
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
    import django

    # WhiteNoise warns when collectstatic has not run; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    from matters.models import Matter

    assert connection.vendor == "postgresql"
    assert connection.settings_dict["NAME"].endswith("bench")
    # Production-like: no per-query logging of the debug cursor.
    settings.DEBUG = False

    call_command("migrate", verbosity=0)
    if args.rebuild or Matter.objects.count() != args.matters:
        build_catalog(args.matters, args.seed)
    else:
        print(f"reusing the catalog of {args.matters} matters (--rebuild to rebuild)")
    set_indexes(args.index)
    print(f"indexes: {args.index}; {args.searches} searches per endpoint\n")

    client = Client()
    results = {
        "API /api/v1/matters/?search=": measure(client, "/api/v1/matters/", "search", args.searches)
    }
    try:
        resolve("/matters/")
    except Resolver404:
        print("the search page /matters/ does not exist yet: measured the API only\n")
    else:
        results["page /matters/?q="] = measure(client, "/matters/", "q", args.searches)
    print_table(results)
    if args.explain:
        explain()


if __name__ == "__main__":
    main()
