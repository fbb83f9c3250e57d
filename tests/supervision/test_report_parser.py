"""The monthly 督查专报 PDF is parsed by expat as the papers are (documents.pdf.parse_paper),
and looks the same as when WeasyPrint's HTML5 parser reads it."""

from documents import pdf
from tests.pictures import pages_in_grey

REPORT = "/supervision/report.pdf?month=2026-03"


def test_report_looks_the_same_parsed_by_expat_as_by_an_html5_parser(
    client, supervisor, hall, monkeypatch, parsed, html5_parser
):
    rendered = []
    real = pdf.render_pdf

    def keeping(template, context, **options):
        rendered.append((template, context, options))
        return real(template, context, **options)

    monkeypatch.setattr(pdf, "render_pdf", keeping)
    client.force_login(supervisor)
    ours = client.get(REPORT).content
    assert parsed and all(tree is not None for tree in parsed)

    # The same report (its "generated at" minute included) parsed by tinyhtml5.
    html5_parser()
    [(template, context, options)] = rendered
    _html, theirs = real(template, context, **options)

    assert pages_in_grey(ours) == pages_in_grey(theirs)
