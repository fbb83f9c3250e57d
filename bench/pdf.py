"""PDF benchmark: render time (p50, p95) of the acceptance receipt and the licence certificate,
their file sizes, and the memory of one process over 200 renders.

    .venv/bin/python bench/pdf.py [--renders 200] [--warm-up 5]

Renders go through ``documents.services.with_pictures`` and ``documents.pdf.render_pdf``
exactly as the Celery task does (template, QR code and seal drawn, font subset), from fixed
snapshots like the ones a case event records; no database is needed. ``--renders`` are split
evenly between the two papers and alternate, in one process, like a worker that lives long.
Memory is the process's resident set size (``VmRSS``) after the warm-up and after the last
render; the growth between the two is what a long-lived worker would accumulate.
Targets (issue 5): receipt p50 ≤ 300 ms, file ≤ 300 KB, memory growth ≤ 50 MB over 200 renders.
"""

import argparse
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
    "by_licence": [{"name": "营业执照", "status": "电子证照免提交"}],
    "deferred": [{"name": "完税凭证", "due_date": "2026年3月12日"}],
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


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from documents.pdf import render_pdf
    from documents.services import TEMPLATES, with_pictures

    papers = {"receipt": RECEIPT, "licence": LICENCE}

    def render(kind: str) -> bytes:
        return render_pdf(TEMPLATES[kind], with_pictures(papers[kind]))[1]

    started = time.perf_counter()
    render("receipt")
    first = time.perf_counter() - started
    for _ in range(args.warm_up):
        render("receipt")
        render("licence")
    rss_start = rss_mb()
    times: dict[str, list[float]] = {"receipt": [], "licence": []}
    sizes: dict[str, int] = {}
    for index in range(args.renders):
        kind = "receipt" if index % 2 == 0 else "licence"
        started = time.perf_counter()
        pdf = render(kind)
        times[kind].append(time.perf_counter() - started)
        sizes[kind] = len(pdf)
    rss_end = rss_mb()

    print(f"first render in a fresh process (imports, font load): {first * 1000:.0f} ms")
    print("| paper | renders | p50 | p95 | max | file size |")
    print("|---|---|---|---|---|---|")
    for kind, values in times.items():
        print(
            f"| {kind} | {len(values)} | {statistics.median(values) * 1000:.0f} ms "
            f"| {percentile(values, 0.95) * 1000:.0f} ms | {max(values) * 1000:.0f} ms "
            f"| {sizes[kind] / 1024:.1f} KB |"
        )
    print(
        f"RSS after warm-up {rss_start:.1f} MB, after {args.renders} renders {rss_end:.1f} MB: "
        f"growth {rss_end - rss_start:+.1f} MB"
    )


if __name__ == "__main__":
    main()
