"""How our papers' PDFs are written (documents/pdf.py): the font subset in one HarfBuzz pass
and the QR codes and seals encoded once per process must give the same pages, pixel for pixel,
as WeasyPrint's own ways, and the same glyphs."""

import io
import re
import zlib

import pytest
from fontTools.ttLib import TTFont

from documents import pdf
from documents.services import paper_pdf
from tests.documents.test_pdf_user_agent import PAPERS
from tests.pictures import pages_in_grey

KINDS = ["receipt", "decision", "licence", "delivery_receipt", "one_time_notice"]


@pytest.fixture
def weasyprints_subset(monkeypatch):
    """WeasyPrint's own two-pass subset instead of ours."""
    monkeypatch.setattr(pdf, "_one_pass_subset", lambda font, to_unicode, hinting: False)


def embedded_font(data: bytes) -> TTFont:
    """The font program a PDF embeds: its one stream with a ``/Length1`` (a TrueType font)."""
    [match] = re.finditer(rb"<<[^<>]*/Length1 \d+[^<>]*>>\nstream\n", data)
    return TTFont(io.BytesIO(zlib.decompressobj().decompress(data[match.end() :])))


@pytest.mark.parametrize("name", KINDS)
def test_the_one_pass_subset_prints_the_same_pages(name, request):
    context = PAPERS[name]
    ours = paper_pdf(context["kind"], context)
    request.getfixturevalue("weasyprints_subset")
    theirs = paper_pdf(context["kind"], context)

    assert pages_in_grey(ours) == pages_in_grey(theirs)


def test_the_one_pass_subset_keeps_the_glyphs_and_widths_without_the_vertical_metrics(
    request,
):
    context = PAPERS["decision"]
    ours = paper_pdf("decision", context)
    request.getfixturevalue("weasyprints_subset")
    theirs = paper_pdf("decision", context)

    mine, weasyprints = embedded_font(ours), embedded_font(theirs)
    assert mine["maxp"].numGlyphs == weasyprints["maxp"].numGlyphs
    for table in ("glyf", "loca", "hmtx", "cmap", "hhea", "OS/2"):
        assert mine.reader[table] == weasyprints.reader[table], table
    assert "vmtx" in weasyprints and "vmtx" not in mine
    assert len(ours) < len(theirs)


def test_other_weasyprint_renders_in_the_process_keep_weasyprints_own_subset():
    from weasyprint import HTML

    paper_pdf("decision", PAPERS["decision"])  # ours installed and used once
    page = HTML(string='<p style="font-family: WQY">受理通知书</p>').render(
        font_config=pdf._font_config()
    )

    assert "vmtx" in embedded_font(page.write_pdf())


def test_kept_seals_and_qr_codes_print_the_same_pages(monkeypatch):
    pictures = {name: PAPERS[name] for name in ("receipt", "decision", "licence")}
    ours = {name: paper_pdf(context["kind"], context) for name, context in pictures.items()}
    monkeypatch.setattr(pdf, "_keep_pictures", lambda html, cache: None)
    monkeypatch.setattr(pdf._images, "cache", {})
    for name, context in pictures.items():
        theirs = paper_pdf(context["kind"], context)
        assert pages_in_grey(ours[name]) == pages_in_grey(theirs), name


def test_a_seal_is_encoded_for_the_pdf_once_per_process(monkeypatch):
    from weasyprint.images import RasterImage

    encoded = []
    encode = RasterImage.get_x_object

    def counting(image, *args):
        encoded.append(image.id)
        return encode(image, *args)

    monkeypatch.setattr(RasterImage, "get_x_object", counting)
    monkeypatch.setattr(pdf._images, "cache", {})
    pdf._kept_picture.cache_clear()
    first = paper_pdf("decision", PAPERS["decision"])
    second = paper_pdf("decision", PAPERS["decision"])

    assert len(encoded) == 1
    assert pages_in_grey(first) == pages_in_grey(second)


def test_the_whole_font_file_is_copied_once_per_process_and_is_the_font_file(settings):
    from pathlib import Path

    pdf._FONT_FILES.clear()
    paper_pdf("decision", PAPERS["decision"])
    paper_pdf("receipt", PAPERS["receipt"])

    [kept] = pdf._FONT_FILES.values()
    assert kept == Path(settings.PDF_FONT_PATH).read_bytes()


def test_each_licence_qr_code_is_its_verification_link(tmp_path):
    import subprocess

    from tests.pictures import scanned

    context = PAPERS["licence"]
    (tmp_path / "licence.pdf").write_bytes(paper_pdf("licence", context))
    subprocess.run(
        ["pdfimages", "-png", str(tmp_path / "licence.pdf"), str(tmp_path / "image")], check=True
    )
    read = [code.text for picture in tmp_path.glob("image-*.png") for code in scanned(picture)]

    assert sorted(read) == sorted(lic["verification_url"] for lic in context["licences"])
