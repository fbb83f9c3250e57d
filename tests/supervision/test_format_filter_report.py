"""Issue 12: one way of showing a rate (cards, tables, CSV, XLSX); the matter filter by name;
the monthly 督查专报 PDF."""

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import MatterFactory, UserFactory

from .conftest import END, START

RANGE = f"start={START}&end={END}"


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_rates_look_the_same_in_cards_and_tables(supervisor_client, hall):
    page = supervisor_client.get(f"/supervision/?{RANGE}").content.decode()
    # 最多跑一次率 of the hall (card): 2 of 3; of 甲局 (table): 1 of 2; of 乙局: 1 of 1.
    assert "<dd>66.7%</dd>" in page
    assert "<td>50.0%</td>" in page and "<td>100.0%</td>" in page
    # No rate as a fraction. (The tables per hall and level have a row of every case, whose
    # means, as 0.6667 materials by e-licence per case, are numbers.)
    figures = [
        section
        for section in page.split("<section ")
        if 'id="sv-hall"' not in section and 'id="sv-level"' not in section
    ]
    assert figures and not any("0.6667" in section for section in figures)
    assert "67%" not in page.replace("66.7%", "")


def test_xlsx_rates_are_fractions_formatted_as_percent(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/export/department.xlsx?{RANGE}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    total = next(row for row in rows if row[0].value == "全部")
    rate = total[header.index("最多跑一次率")]
    assert rate.value == 0.6667
    assert rate.number_format == "0.0%"
    count = total[header.index("办结件数")]
    assert (count.value, count.number_format) == (3, "General")


def test_csv_rates_as_the_page_shows_them(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/export/department.csv?{RANGE}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    total = next(row for row in rows if row[0] == "全部")
    assert total[rows[0].index("最多跑一次率")] == "66.7%"


def test_matter_filter_takes_a_name(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/?{RANGE}&matter=事项二")
    assert response.status_code == 200
    assert response.context["dashboard"].total.decided == 1
    by_code = supervisor_client.get(f"/supervision/?{RANGE}&matter=m2")
    assert by_code.context["dashboard"].total.decided == 1
    page = response.content.decode()
    assert 'list="sv-matter-options"' in page and '<datalist id="sv-matter-options">' in page


def test_matter_filter_unknown_or_ambiguous_name(supervisor_client, hall):
    response = supervisor_client.get(f"/supervision/?{RANGE}&matter=没有这个")
    assert response.status_code == 400
    assert "没有名称或编码为“没有这个”的事项" in response.content.decode()
    MatterFactory(code="m9", name="事项二", with_guide=False)
    response = supervisor_client.get(f"/supervision/?{RANGE}&matter=事项二")
    assert response.status_code == 400
    assert "请输入事项编码" in response.content.decode()


def test_wide_tables_scroll_inside_their_box(supervisor_client, hall):
    page = supervisor_client.get(f"/supervision/?{RANGE}").content.decode()
    tables = page.count('<table class="sv-table')
    assert tables and page.count('<div class="sv-table-wrap">') == tables
    css = supervisor_client.get("/static/css/supervision.css")
    if css.status_code == 200:  # served in DEBUG only
        assert b".sv-table-wrap { overflow-x: auto;" in b"".join(css.streaming_content)


def test_report_pdf_for_a_month(supervisor_client, hall, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = supervisor_client.get("/supervision/report.pdf?month=2026-03")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "supervision-report-2026-03.pdf" in response["Content-Disposition"]


def test_report_text_has_the_figures(supervisor_client, hall, monkeypatch):
    from documents import pdf

    captured = {}
    real = pdf.render_pdf

    def spy(template, context, **kwargs):
        captured["html"], content = real(template, context, **kwargs)
        return captured["html"], content

    monkeypatch.setattr(pdf, "render_pdf", spy)
    supervisor_client.get("/supervision/report.pdf?month=2026-03")
    html = captured["html"]
    assert "督查专报" in html and "2026年3月" in html
    assert "甲局" in html and "事项一" in html
    assert "最多跑一次率 66.7%" in html


def test_report_query_count_does_not_grow(supervisor_client, hall):
    from .test_pages import more_of_everything

    more_of_everything(hall, 1)  # one of each kind, so that every query of the figures runs
    supervisor_client.get("/supervision/report.pdf?month=2026-03")  # fonts, caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        supervisor_client.get("/supervision/report.pdf?month=2026-03")
    more_of_everything(hall, 10)
    with CaptureQueriesContext(connection) as many:
        supervisor_client.get("/supervision/report.pdf?month=2026-03")
    assert len(many) == len(few)


@pytest.mark.parametrize("traits", [{"citizen": True}, {"clerk": True}, {"approver": True}])
def test_report_refused_to_others(client, db, traits):
    client.force_login(UserFactory(**traits))
    assert client.get("/supervision/report.pdf?month=2026-03").status_code == 403


def test_report_anonymous_goes_to_login(client, db):
    response = client.get("/supervision/report.pdf?month=2026-03")
    assert response.status_code == 302


@pytest.mark.parametrize("month", ["", "2026-13", "march", "9999-12", "1900-01", "0001-01"])
def test_report_bad_month(supervisor_client, db, month):
    response = supervisor_client.get(f"/supervision/report.pdf?month={month}")
    assert response.status_code == 400
    assert "请选择月份" in response.content.decode()


def test_dashboard_links_the_report(supervisor_client, hall):
    page = supervisor_client.get(f"/supervision/?{RANGE}").content.decode()
    assert 'action="/supervision/report.pdf"' in page and 'type="month"' in page


def test_a_range_beyond_the_calendar_is_an_error_not_a_crash(supervisor_client, supervisor, db):
    page = supervisor_client.get("/supervision/?start=9999-12-30&end=9999-12-31")
    assert page.status_code == 400
    assert "截止日期不能晚于" in page.content.decode()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(supervisor)
    answer = api.get("/api/v1/supervision/summary/?from=9999-12-30&to=9999-12-31")
    assert answer.status_code == 400
    assert "截止日期不能晚于" in answer.json()["to"][0]
