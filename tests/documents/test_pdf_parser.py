"""Papers are parsed by expat where their markup allows (documents.pdf.parse_paper), by
WeasyPrint's HTML5 parser (tinyhtml5) otherwise: every paper, the guide and a receipt laid out
denser must look the same either way, pixel for pixel, and every one of them must take the
fast way (a template that stops being well-formed would silently cost ~4 % of a render).
The fixtures ``parsed`` and ``html5_parser`` are in tests/conftest.py."""

import pytest
import tinyhtml5

from documents import pdf
from documents.services import paper_pdf
from tests.pictures import pages_in_grey

from .test_pdf_user_agent import PAPERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", list(PAPERS))
def test_paper_looks_the_same_parsed_by_expat_as_by_an_html5_parser(name, parsed, html5_parser):
    context = PAPERS[name]
    ours = paper_pdf(context["kind"], context)
    assert parsed and all(tree is not None for tree in parsed)
    html5_parser()
    theirs = paper_pdf(context["kind"], context)

    assert pages_in_grey(ours) == pages_in_grey(theirs)


def test_guide_looks_the_same_parsed_either_way(client, matter, parsed, html5_parser):
    from django.core.cache import cache

    ours = client.get(f"/matters/{matter.code}/guide.pdf").content
    assert parsed and all(tree is not None for tree in parsed)
    cache.clear()
    html5_parser()
    theirs = client.get(f"/matters/{matter.code}/guide.pdf").content

    assert pages_in_grey(ours) == pages_in_grey(theirs)


def test_text_put_by_the_user_is_parsed_as_text(parsed):
    hostile = {**PAPERS["receipt"], "matter": "<b>不动产</b> & 'x' \"y\" </td></table>"}
    pdf.render_pdf("pdf/receipt.html", {**hostile, "density": 0})
    tree = parsed[-1]
    assert tree is not None
    assert "<b>不动产</b> & 'x' \"y\" </td></table>" in "".join(tree.itertext())


def tags(tree) -> list[str]:
    return [element.tag for element in tree.iter() if isinstance(element.tag, str)]


def test_the_tbody_an_html5_parser_implies_is_there():
    markup = "<html><head></head><body><table><tr><td>1</td></tr></table></body></html>"
    ours = pdf.parse_paper(markup)
    theirs = tinyhtml5.parse(markup, namespace_html_elements=False)

    assert tags(ours) == tags(theirs) == ["html", "head", "body", "table", "tbody", "tr", "td"]


@pytest.mark.parametrize(
    "body",
    [
        "<p>a&nbsp;b</p>",  # an entity XML does not know
        "<p>a<br>b</p>",  # a void element left open
        "<p>a<div>b</div></p>",  # an HTML5 parser closes the <p> first
        "<table>text<tr><td>1</td></tr></table>",  # text moved out of the table
        "<table><tr><td>1</td><td>2</td></tr><div>x</div></table>",
        "<ul><li>a<li>b</li></li></ul>",
        "<pre>\nx</pre>",  # its first newline dropped
        "<svg><rect/></svg>",  # another namespace
        "<p>\x0b</p>",  # a character XML refuses
    ],
)
def test_markup_only_an_html5_parser_gets_right_is_left_to_it(body):
    assert pdf.parse_paper(f"<html><head></head><body>{body}</body></html>") is None


@pytest.mark.parametrize(
    "markup",
    [
        "<html><head><p>moved into the body</p></head><body></body></html>",
        "<html><head></head><p>moved into the body</p><body></body></html>",
    ],
)
def test_what_an_html5_parser_moves_into_the_body_is_left_to_it(markup):
    assert pdf.parse_paper(markup) is None


def test_entities_a_doctype_declares_are_left_to_the_html5_parser():
    markup = (
        '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">]>'
        "<html><head></head><body><p>&a;</p></body></html>"
    )
    assert pdf.parse_paper(markup) is None
