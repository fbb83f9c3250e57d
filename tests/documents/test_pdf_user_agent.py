"""Our PDFs use a user-agent stylesheet of their own (documents/pdf_ua.css, a few rules instead of
WeasyPrint's ~250): every paper, the guide and a receipt too long for one page at the normal
density must look exactly as they do with WeasyPrint's own sheet, page for page, pixel for
pixel (poppler's pdftoppm)."""

import pytest

from documents import pdf
from documents.services import paper_pdf
from tests.pictures import pages_in_grey

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
BASE = {
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
    "agent_name": "王*",
    "date": "2026年3月5日",
    "track_url": f"{SITE}/track/?number=20260305-00042",
}


def material(name: str, index: int, **extra) -> dict:
    row = {"name": name, "key": index == 0, "copies": 1, "status": "已收取", "due_date": ""}
    return {**row, "reason": "", "online": index % 2 == 1, "provided_by": "", **extra}


NAMES = ["居民身份证", "不动产权证书", "房屋买卖合同", "婚姻状况证明", "不动产登记申请表"]
RECEIPT = {
    **BASE,
    "kind": "receipt",
    "title": "受理通知书",
    "received": [material(name, index) for index, name in enumerate(NAMES)],
    "by_licence": [material("营业执照", 1, status="电子证照免提交")],
    "deferred": [material("完税凭证", 1, due_date="2026年3月12日")],
    "pushed": [material("户籍证明", 1, provided_by="department")],
    "accepted_on": "2026年3月5日",
    "deemed": False,
    "deadline": "2026年3月12日",
    "committed_days": 5,
    "courier": True,
    "address": "浙江省杭州市西湖区文三路 100 号",
    "receiver": "李*",
}
DECISION = {
    **BASE,
    "kind": "decision",
    "title": "准予行政许可决定书",
    "approved": True,
    "decision_text": "符合法定条件、标准，决定准予行政许可。",
    "reason_heading": "不予许可的理由",
    "opinion_label": "审查意见",
    "with_remedies": True,
    "service": False,
    "seal_title": "行政许可专用章",
    "opinion": "材料齐全，现场核查符合要求",
    "decided_on": "2026年3月9日",
    "result_name": "不动产权证书",
    "licences": [{"type": "不动产权证书", "number": "BDC2026000042", "valid_until": ""}],
    "remedies": {"reconsideration_days": 60, "litigation_months": 6},
}
PAPERS = {
    "receipt": RECEIPT,
    # 40 materials: laid out at density 0, 1, 2… until it fits one page.
    "receipt_long": {
        **RECEIPT,
        "received": [material(f"{NAMES[i % 5]}（第{i}份）", i) for i in range(40)],
    },
    "decision": DECISION,
    "decision_denied": {**DECISION, "approved": False, "opinion": "申请材料与实际不符"},
    "licence": {
        **BASE,
        "kind": "licence",
        "title": "电子证照",
        "licences": [
            {
                "type": "食品经营许可证",
                "number": "FOOD2026030500042",
                "holder_name": "杭州示例餐饮管理有限公司",
                "holder_id": "91330106MA2XXXXXX1",
                "holder_id_label": "统一社会信用代码",
                "scope": "预包装食品销售（含冷藏冷冻食品），热食类食品制售",
                "issued_on": "2026年3月5日",
                "valid_until": "2031年3月4日",
                "issuing_department": "杭州市市场监督管理局",
                "verification_code": "tSbOXMnuyBpUlSpM1WOfCXLoR4OfRpxp",
                "verification_url": f"{SITE}/verify/tSbOXMnuyBpUlSpM1WOfCXLoR4OfRpxp/",
            }
        ]
        * 2,
    },
    "delivery_receipt": {
        **BASE,
        "kind": "delivery_receipt",
        "title": "送达回证",
        "papers": ["准予行政许可决定书", "电子证照"],
        "courier": True,
        "method": "邮寄送达（EMS）",
        "waybill": "EMS1234567890",
        "receiver": "李*",
        "address": "浙江省杭州市西湖区文三路 100 号",
        "delivered_on": "2026年3月10日",
    },
    "one_time_notice": {
        **BASE,
        "kind": "one_time_notice",
        "title": "一次性告知书",
        "missing": [material(name, i, reason="复印件不清晰") for i, name in enumerate(NAMES)],
        "note": "请一次性补齐。",
    },
    "supplement_notice": {
        **BASE,
        "kind": "supplement_notice",
        "title": "补正材料通知书",
        "missing": [material("房屋买卖合同", 0, reason="缺少签字页")],
        "note": "",
    },
    "refusal": {
        **BASE,
        "kind": "refusal",
        "title": "不予受理通知书",
        "reason": "申请事项不属于本机关职权范围",
        "remedies": {"reconsideration_days": 60, "litigation_months": 6},
    },
    "commitment": {
        **BASE,
        "kind": "commitment",
        "title": "容缺受理承诺书",
        "online_given_at": "",
        "applicant_full_name": "李四",
        "deferred": [material("完税凭证", 1, due_date="2026年3月12日")],
        "due_date": "2026年3月12日",
        "accepted_on": "2026年3月5日",
    },
}


@pytest.fixture
def weasyprint_sheet(monkeypatch):
    """Render with WeasyPrint's own ``HTML`` (its full user-agent stylesheet) instead."""

    def use():
        from weasyprint import HTML

        monkeypatch.setattr(pdf, "_paper_html_class", lambda: HTML)

    return use


@pytest.mark.parametrize("name", list(PAPERS))
def test_paper_looks_the_same_as_with_weasyprints_own_stylesheet(name, weasyprint_sheet):
    context = PAPERS[name]
    ours = paper_pdf(context["kind"], context)
    weasyprint_sheet()
    theirs = paper_pdf(context["kind"], context)

    pages = pages_in_grey(ours)
    assert pages == pages_in_grey(theirs)
    assert len(pages) == (2 if name == "licence" else 1)


def test_guide_looks_the_same_as_with_weasyprints_own_stylesheet(client, matter, weasyprint_sheet):
    from django.core.cache import cache

    ours = client.get(f"/matters/{matter.code}/guide.pdf").content
    cache.clear()
    weasyprint_sheet()
    theirs = client.get(f"/matters/{matter.code}/guide.pdf").content

    assert pages_in_grey(ours) == pages_in_grey(theirs)


def test_the_font_configuration_and_stylesheets_are_built_once_by_concurrent_first_renders():
    """Threads rendering the first papers of a fresh process share one object each: a second
    font configuration, freed while in use, crashed a gunicorn worker."""
    import threading
    import time

    built = []

    @pdf._made_once()
    def slow_to_build():
        time.sleep(0.05)  # a FontConfiguration takes a while, and lets other threads in
        built.append(1)
        return object()

    start = threading.Barrier(8)
    results = []

    def first_render():
        start.wait()
        results.append(slow_to_build())

    threads = [threading.Thread(target=first_render) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 1
    assert len({id(result) for result in results}) == 1
    assert pdf._font_config() is pdf._font_config()
