"""The monthly 督查专报 PDF is parsed by expat as the papers are (documents.pdf.parse_paper),
and looks the same as when WeasyPrint's HTML5 parser reads it."""

from documents import pdf
from tests.documents.test_pdf_user_agent import pages_as_pixels

REPORT = "/supervision/report.pdf?month=2026-03"


def test_report_looks_the_same_parsed_by_expat_as_by_an_html5_parser(
    client, supervisor, hall, monkeypatch
):
    client.force_login(supervisor)
    real = pdf.parse_paper
    trees = []
    monkeypatch.setattr(pdf, "parse_paper", lambda markup: trees.append(real(markup)) or trees[-1])
    ours = client.get(REPORT).content
    assert trees and all(tree is not None for tree in trees)

    monkeypatch.setattr(pdf, "parse_paper", lambda markup: None)
    theirs = client.get(REPORT).content

    assert pages_as_pixels(ours) == pages_as_pixels(theirs)
