"""PDF benchmark: render time (p50, p95) of the papers of a lifecycle, each against a bare
WeasyPrint page with the same text and font, their file sizes, and the memory of one process.

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/pdf.py [--renders 400]

Renders go through ``documents.services.paper_pdf`` exactly as a download or the Celery task
does (template, QR code and seal, one-page fitting of the receipt, font subset), from fixed
snapshots like the ones a case event records, each render as another case's (its own number
and links, so its QR codes are drawn anew, as for every real paper); no database is needed.
``--renders`` are split evenly between the papers; each paper render is followed by the render
of its bare page (the paper's text, tags stripped, one paragraph per line, same font file and
size, A4), and the papers alternate, in one process, like a worker that lives long. The ratio
is paper p50 / bare p50 (and p95 / p95), measured in the same run, so the load of the machine
cancels out.
A third render, the bare page with the options our papers are written with (documents/pdf.py:
its own user-agent stylesheet, ``paper_writing``: zlib level 1 and the one-pass font subset),
shows how much of the ratio those options buy:
"ratio (same options)" is paper / that page.
Memory is the process's resident set size (``VmRSS``) after the warm-up and after the last
render; the growth between the two is what a long-lived worker would accumulate.
Targets: issue 5: receipt p50 ≤ 300 ms, file ≤ 300 KB, memory growth ≤ 50 MB over 200 renders;
issue 11: every paper ≤ 1.5× its bare page.
"""

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SITE = "http://127.0.0.1:8000"
RECEIPT = {
    "kind": "receipt",
    "title": "受理通知书",
    "hall": "OneTrip 政务服务中心",
    "hall_phone": "0571-12345",
    "hall_hours": "工作日 9:00-12:00、13:30-17:00",
    "number": "20260305-00042",
    "doc_number": "20260305-00042-01",
    "matter": "不动产转移登记",
    "department": "市住房和城乡建设局",
    "applicant_kind": "person",
    "applicant_name": "李*",
    "applicant_id": "330***********0019",
    "applicant_id_label": "身份证号码",
    "agent_name": "",
    "date": "2026年3月5日",
    "track_url": f"{SITE}/track/?number=20260305-00042",
    "received": [
        {"name": name, "key": index == 0, "copies": 1, "status": "已收取", "due_date": ""}
        for index, name in enumerate(
            ["居民身份证", "不动产权证书", "房屋买卖合同", "婚姻状况证明", "不动产登记申请表"]
        )
    ],
    "by_licence": [{"name": "营业执照", "key": False, "copies": 1, "status": "电子证照免提交"}],
    "deferred": [{"name": "完税凭证", "key": False, "copies": 1, "due_date": "2026年3月12日"}],
    "accepted_on": "2026年3月5日",
    "deadline": "2026年3月12日",
    "committed_days": 5,
    "courier": True,
    "address": "浙江省杭州市西湖区文三路 100 号",
    "receiver": "李*",
}
LICENCE = {
    "kind": "licence",
    "title": "电子证照",
    "hall": "OneTrip 政务服务中心",
    "licences": [
        {
            "type": "食品经营许可证",
            "number": "FOOD2026030500042",
            "holder_name": "杭州示例餐饮管理有限公司",
            "holder_id": "91330106MA2XXXXXX1",
            "holder_id_label": "统一社会信用代码",
            "scope": "食品经营许可：预包装食品销售（含冷藏冷冻食品），热食类食品制售",
            "issued_on": "2026年3月5日",
            "valid_until": "2031年3月4日",
            "issuing_department": "杭州市市场监督管理局",
            "verification_code": "tSbOXMnuyBpUlSpM1WOfCXLoR4OfRpxp",
            "verification_url": f"{SITE}/verify/tSbOXMnuyBpUlSpM1WOfCXLoR4OfRpxp/",
        }
    ],
}


DECISION = {
    "kind": "decision",
    "title": "准予行政许可决定书",
    "hall": "OneTrip 政务服务中心",
    "hall_phone": "0571-12345",
    "hall_hours": "工作日 9:00-12:00、13:30-17:00",
    "number": "20260305-00042",
    "doc_number": "20260305-00042-06",
    "matter": "食品经营许可",
    "department": "杭州市市场监督管理局",
    "applicant_kind": "company",
    "applicant_name": "杭州示例餐饮管理有限公司",
    "applicant_id": "91330106MA2XXXXXX1",
    "applicant_id_label": "统一社会信用代码",
    "agent_name": "李*",
    "date": "2026年3月9日",
    "track_url": f"{SITE}/track/?number=20260305-00042",
    "approved": True,
    "decision_text": "符合法定条件、标准，依照《中华人民共和国行政许可法》第三十八条第一款的规定，"
    "决定准予行政许可。",
    "reason_heading": "不予许可的理由",
    "opinion_label": "审查意见",
    "with_remedies": True,
    "service": False,
    "seal_title": "行政许可专用章",
    "opinion": "材料齐全，现场核查符合要求",
    "decided_on": "2026年3月9日",
    "result_name": "食品经营许可证",
    "licences": [
        {"type": "食品经营许可证", "number": "FOOD2026030500042", "valid_until": "2031年3月4日"}
    ],
    "remedies": {"reconsideration_days": 60, "litigation_months": 6},
}
DELIVERY = {
    **{key: DECISION[key] for key in ("hall", "hall_phone", "hall_hours", "number", "matter")},
    **{key: DECISION[key] for key in ("department", "applicant_kind", "applicant_name")},
    **{key: DECISION[key] for key in ("applicant_id", "applicant_id_label", "agent_name")},
    "kind": "delivery_receipt",
    "title": "送达回证",
    "doc_number": "20260305-00042-08",
    "date": "2026年3月10日",
    "track_url": f"{SITE}/track/?number=20260305-00042",
    "papers": ["准予行政许可决定书", "电子证照"],
    "courier": True,
    "method": "邮寄送达（EMS）",
    "waybill": "EMS1234567890",
    "receiver": "李*",
    "address": "浙江省杭州市西湖区文三路 100 号",
    "delivered_on": "2026年3月10日",
}


def of_a_new_case(snapshot: dict, serial: int) -> dict:
    """The snapshot as another case's: its own number and links, so its QR codes are drawn
    anew as for a real paper (the process keeps the QR code of a link it has drawn)."""
    number = f"20260305-{serial:05d}"
    case = {**snapshot, "number": number, "doc_number": f"{number}-01"}
    if "track_url" in snapshot:
        case["track_url"] = f"{SITE}/track/?number={number}"
    if "licences" in snapshot:
        case["licences"] = [
            {**licence, "verification_url": f"{SITE}/verify/{serial:08d}{index}/"}
            for index, licence in enumerate(snapshot["licences"])
        ]
    return case


def bare_html(paper_html: str) -> str:
    """The paper's text on a bare page: tags stripped, a paragraph per line, same font."""
    import html as html_lib
    import re

    from django.utils.html import strip_tags

    from documents.pdf import font_url

    body = re.split(r"<body[^>]*>", paper_html, maxsplit=1)[1]
    size = re.search(r"html \{[^}]*font-size: ([0-9.]+pt)", paper_html.rsplit("<style>", 1)[1])
    lines = [line.strip() for line in html_lib.unescape(strip_tags(body)).splitlines()]
    paragraphs = "".join(f"<p>{html_lib.escape(line)}</p>" for line in lines if line)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
        f'@font-face {{ font-family: "WQY"; src: url("{font_url()}"); }}'
        "@page { size: A4; margin: 20mm; }"
        f'html {{ font-family: "WQY"; font-size: {size.group(1) if size else "11pt"}; }}'
        f"</style></head><body>{paragraphs}</body></html>"
    )


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


LOAD = " ".join(f"{load:.2f}" for load in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=400)
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument(
        "--collector",
        choices=["settled", "default"],
        default="settled",
        help="settled: Python's garbage collector as in a web process (hall.heap.settle, "
        "after the first render); default: as Python sets it",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from documents.pdf import (
        _font_config,
        _paper_html_class,
        font_url,
        paper_writing,
    )
    from documents.services import TEMPLATES, paper_pdf, with_pictures

    papers = {
        "receipt": RECEIPT,
        "decision": DECISION,
        "licence": LICENCE,
        "delivery_receipt": DELIVERY,
    }

    def paper_html(kind: str) -> str:
        context = {**with_pictures(papers[kind]), "density": 0, "font_url": font_url()}
        return render_to_string(TEMPLATES[kind], context)

    bare = {kind: bare_html(paper_html(kind)) for kind in papers}

    made = itertools.count(1)

    def render(kind: str) -> bytes:
        return paper_pdf(kind, of_a_new_case(papers[kind], next(made)))

    def render_bare(kind: str) -> bytes:
        page = HTML(string=bare[kind], base_url=str(BASE_DIR)).render(font_config=_font_config())
        return page.write_pdf()

    def render_bare_same(kind: str) -> bytes:
        source = _paper_html_class()(string=bare[kind], base_url=str(BASE_DIR))
        page = source.render(font_config=_font_config())
        with paper_writing():
            return page.write_pdf()

    started = time.perf_counter()
    render("receipt")
    first = time.perf_counter() - started
    if args.collector == "settled":
        from hall.heap import settle

        settle(papers=False)  # the render above was the warm-up a web process does
    for _ in range(args.warm_up):
        for kind in papers:
            render(kind)
            render_bare(kind)
            render_bare_same(kind)
    rss_start = rss_mb()
    times: dict[str, list[float]] = {kind: [] for kind in papers}
    bare_times: dict[str, list[float]] = {kind: [] for kind in papers}
    same_times: dict[str, list[float]] = {kind: [] for kind in papers}
    sizes: dict[str, int] = {}
    kinds = list(papers)
    for index in range(args.renders):
        kind = kinds[index % len(kinds)]
        started = time.perf_counter()
        pdf = render(kind)
        times[kind].append(time.perf_counter() - started)
        started = time.perf_counter()
        render_bare(kind)
        bare_times[kind].append(time.perf_counter() - started)
        started = time.perf_counter()
        render_bare_same(kind)
        same_times[kind].append(time.perf_counter() - started)
        sizes[kind] = len(pdf)
    rss_end = rss_mb()

    after = " ".join(f"{load:.2f}" for load in os.getloadavg())
    print(f"load average before the run: {LOAD}, after: {after}; collector: {args.collector}")
    print(f"first render in a fresh process (imports, font load): {first * 1000:.0f} ms")
    print(
        "| paper | renders | p50 | p95 | bare p50 | bare p95 | ratio p50 | ratio p95 "
        "| bare p50 (same options) | ratio p50 (same options) | file |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, values in times.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        b50, b95 = statistics.median(bare_times[kind]), percentile(bare_times[kind], 0.95)
        s50 = statistics.median(same_times[kind])
        print(
            f"| {kind} | {len(values)} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms "
            f"| {b50 * 1000:.0f} ms | {b95 * 1000:.0f} ms | {p50 / b50:.2f}× | {p95 / b95:.2f}× "
            f"| {s50 * 1000:.0f} ms | {p50 / s50:.2f}× | {sizes[kind] / 1024:.1f} KB |"
        )
    print(
        f"RSS after warm-up {rss_start:.1f} MB, after {args.renders} renders {rss_end:.1f} MB: "
        f"growth {rss_end - rss_start:+.1f} MB"
    )


if __name__ == "__main__":
    main()
