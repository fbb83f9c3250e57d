"""The one PDF helper, and the pictures PDFs embed (QR codes, the seal) as small PNG images.

WeasyPrint is imported inside ``render_pdf`` only (it is slow to import and only workers and
the guide view need it). Templates live under ``templates/pdf/``: block and table layout, the
CJK font from a local file (``@font-face`` with a ``file://`` URL), no network: any URL the
HTML asks for other than a local file is refused by the URL fetcher.
"""

import atexit
import base64
import contextlib
import functools
import gc
import hashlib
import html as html_lib
import io
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

# WeasyPrint logs every rendering step at INFO; keep its warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def font_url() -> str:
    """``file://`` URL of the CJK font the PDFs embed (subset) — settings.PDF_FONT_PATH."""
    return _file_url(settings.PDF_FONT_PATH)


@functools.lru_cache(maxsize=8)
def _file_url(path: str) -> str:
    # Resolving the path asks the file system at every step of it: twice per paper.
    return Path(path).resolve().as_uri()


_SETUP = threading.RLock()


def _made_once(maxsize: int | None = None):
    """``functools.lru_cache`` whose lookups and misses run one thread at a time. Without it
    the first papers a fresh process renders on several threads each built a font
    configuration (or a stylesheet registering the font in one): the cache kept the last, and
    the others were freed, their fontconfig and Pango objects with them, while renders and
    stylesheets still used them. A gunicorn worker died of it at its first concurrent paper
    downloads (``realloc(): invalid next size``, SIGABRT)."""

    def decorate(function):
        cached = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def once(*args):
            with _SETUP:
                return cached(*args)

        once.cache_clear = cached.cache_clear
        return once

    return decorate


@_made_once()
def _font_config():
    """One font configuration per process: the CJK font file is loaded once, not per render.

    A fresh configuration per render loads the 16 MB font again each time and, measured with
    bench/pdf.py, grows the process by ~150 MB over 80 renders; shared, it stays flat.

    The font (``font_url()``, family ``WQY``) is registered here, once, before any render uses
    the configuration. WeasyPrint registers the ``@font-face`` of every stylesheet given its
    configuration, and each registration resets the shared Pango font map's caches: done when
    a template's stylesheet was first parsed, it freed fonts that renders on other threads
    were using, and gunicorn workers died at their first concurrent downloads (GLib
    "corrupted double-linked list", glibc ``realloc(): invalid next size``). Templates keep
    their ``@font-face`` line for reading; ``_stylesheet`` parses it without registering it.
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    face = f'@font-face {{ font-family: "WQY"; src: url("{font_url()}"); }}'
    CSS(string=face, font_config=config)
    # WeasyPrint copies the font into a temporary folder (17 MB) and removes it when the
    # configuration is freed: at interpreter exit that comes after its modules are gone, and
    # every process that had rendered a paper left its copy behind in /tmp.
    atexit.register(_remove_font_copy, config)
    return config


def _remove_font_copy(config) -> None:
    if folder := getattr(config, "_folder", None):
        shutil.rmtree(folder, ignore_errors=True)
        config._folder = None  # nothing left for its __del__ to remove


def in_papers_language():
    """Legal papers are in Chinese whatever language the page asking for them is shown in:
    ``with in_papers_language(): ...`` around building a paper's content and rendering it."""
    return translation.override(settings.LANGUAGE_CODE)


# Layouts a template may offer through ``density``: 0 is the normal one, each next is denser.
DENSITIES = (0, 1, 2, 3, 4)


def render_pdf(template: str, context: dict, *, fit_pages: int | None = None) -> tuple[str, bytes]:
    """Render ``templates/pdf/<template>`` to HTML and to PDF bytes (A4, fonts subset).

    With ``fit_pages`` the template is laid out at ``density`` 0, 1, 2… until it fits that
    many pages (the densest layout is kept if nothing fits); without it, at density 0.
    """
    html, pdf = _render_pdf(template, context, fit_pages)
    # A layout leaves ~2,000-3,000 objects that only Python's cyclic collector frees (boxes
    # that point at their parents): two thirds of a web worker's cyclic garbage. Left to the
    # automatic collection, they brought it (5-15 ms a time) into whichever request next
    # crossed its threshold, an acceptance as often as a download. Collected here, at the end
    # of the render that made them, they take under 1 ms (bench/README.md, "Thirteenth pass").
    gc.collect(0)
    return html, pdf


def _render_pdf(template: str, context: dict, fit_pages: int | None) -> tuple[str, bytes]:
    from weasyprint import URLFetcher

    paper_html = _paper_html_class()
    # Local files and data: URLs only; a PDF never reaches out to the network.
    fetcher = URLFetcher(allowed_protocols=("file", "data"), timeout=1)
    cache = _image_cache()
    start = min(context.get("density", 0), DENSITIES[-1])
    for density in DENSITIES[start:] if fit_pages else (start,):
        with in_papers_language():
            html = render_to_string(
                template, {**context, "density": density, "font_url": font_url()}
            )
        head, style, body = _split_style(html)
        _keep_pictures(body, cache)
        source = _document(
            paper_html, head + body, base_url=str(settings.BASE_DIR), url_fetcher=fetcher
        )
        with _RENDERING:
            document = source.render(
                font_config=_font_config(),
                stylesheets=[_stylesheet(style)] if style else None,
                pdf_identifier=b"onetrip",
                cache=cache,
            )
        if fit_pages is None or len(document.pages) <= fit_pages:
            break
    with _RENDERING, paper_writing():
        pdf = document.write_pdf(pdf_identifier=b"onetrip", cache=cache)
    return html, pdf


def warm_up() -> None:
    """Render a small paper once, at a process's start, and throw it away.

    The first paper a process renders pays for importing WeasyPrint, loading the 16 MB CJK
    font into the font configuration, the user-agent sheet and the subsetter: ~0.5-3 s that
    would otherwise fall on someone's download. What it loads then lives as long as the
    process, which is what ``hall.heap.settle`` freezes out of the garbage collector's way.
    """
    render_pdf("pdf/warm_up.html", {"title": "受理通知书", "hall": "", "qr": qr_img("warm-up")})


# One layout or PDF write at a time per process. Every render shares the process's font
# configuration, whose Pango font map and HarfBuzz faces are not safe to use from several
# threads at once: under gunicorn's threads, concurrent first downloads corrupted the heap
# (GLib "corrupted double-linked list", "g_atomic_rc_box_acquire: assertion failed", glibc
# "realloc(): invalid next size") and killed or hung the worker. It costs little: a render
# is Python holding the GIL nearly all the time, so threads never rendered in parallel
# anyway; processes (gunicorn workers, Celery's prefork pool) still do.
_RENDERING = threading.Lock()


@_made_once()
def _paper_html_class():
    """WeasyPrint's ``HTML`` with ``documents/pdf_ua.css`` as its user-agent stylesheet: the
    rules of WeasyPrint's own sheet for the elements our templates use, same values, so the
    layout is the same (tests/documents/test_pdf_user_agent.py) and styles cost a third.
    (``_ua_stylesheets`` is how WeasyPrint's own test suite swaps that sheet.)"""
    from weasyprint import CSS, HTML

    user_agent = CSS(filename=str(Path(__file__).with_name("pdf_ua.css")))

    class PaperHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent]

    return PaperHTML


def _document(html_class, markup: str, **options):
    """WeasyPrint's document of ``markup``: parsed by ``parse_paper`` where it can, else by
    WeasyPrint itself (tinyhtml5). With a tree, WeasyPrint sets itself up from an empty page
    (the base URL as it resolves it), then the tree takes the empty page's place."""
    import cssselect2

    root = parse_paper(markup)
    if root is None:
        return html_class(string=markup, **options)
    document = html_class(string="", **options)
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


# Parsing a paper's HTML with tinyhtml5, WeasyPrint's HTML5 parser in pure Python, took ~3.7 ms
# of a receipt's ~80 ms; expat (C) parses the same markup in ~0.1 ms. Our templates write
# well-formed markup (void elements closed: ``<br/>``), for which an HTML5 parser builds the
# same tree as an XML parser, but for the ``tbody`` it implies around a table's rows. Anything
# else (an entity expat does not know, a ``<p>`` an HTML5 parser would close early, text
# where it would move it out of a table) is left to tinyhtml5, so a paper looks the same
# either way (tests/documents/test_pdf_parser.py compares their pixels).
_TABLE_CHILDREN = {
    "table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot", "tr"}),
    "thead": frozenset({"tr"}),
    "tbody": frozenset({"tr"}),
    "tfoot": frozenset({"tr"}),
    "tr": frozenset({"td", "th"}),
    "colgroup": frozenset({"col"}),
}
# Start tags before which an HTML5 parser closes an open <p>.
_CLOSE_P = frozenset(
    {
        *("address", "article", "aside", "blockquote", "details", "dialog", "div", "dl"),
        *("fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "main", "menu", "nav", "ol", "p", "pre"),
        *("section", "table", "ul", "li", "dd", "dt"),
    }
)
# Start tags that an HTML5 parser takes as closing an open element of the same name.
_SELF_CLOSING_SIBLINGS = frozenset({"li", "dd", "dt", "tr", "td", "th", "option"})
# What an HTML5 parser keeps where it is written directly in <html> and in <head>: anything
# else it moves into the body.
_IN_PLACE = {
    "html": frozenset({"head", "body"}),
    "head": frozenset({"title", "meta", "link", "base"}),
}
# Elements an HTML5 parser treats apart: a namespace of their own, raw text, a first newline.
_HTML5_ONLY = frozenset(
    {"svg", "math", "pre", "listing", "textarea", "script", "style", "template", "noscript"}
    | {"plaintext", "xmp"}
)


class _NotPlainError(Exception):
    """Markup whose HTML5 tree differs from its XML tree: tinyhtml5 parses it."""


class _PaperTree:
    """An expat parser's target: the element tree an HTML5 parser makes of well-formed markup."""

    def __init__(self):
        self._builder = ET.TreeBuilder()
        self._open: list[str] = []
        self._paragraphs = 0

    def start(self, tag: str, attrib: dict) -> None:
        parent = self._open[-1] if self._open else None
        if tag == "tr" and parent == "table":
            self._push("tbody", {})
            parent = "tbody"
        allowed = _TABLE_CHILDREN.get(parent) or _IN_PLACE.get(parent)
        if (
            (allowed is not None and tag not in allowed)
            or (self._paragraphs and tag in _CLOSE_P)
            or (tag == parent and tag in _SELF_CLOSING_SIBLINGS)
            or tag in _HTML5_ONLY
        ):
            raise _NotPlainError(tag)
        self._push(tag, attrib)

    def _push(self, tag: str, attrib: dict) -> None:
        self._builder.start(tag, attrib)
        self._open.append(tag)
        self._paragraphs += tag == "p"

    def end(self, tag: str) -> None:
        if tag == "table" and self._open[-1] == "tbody":
            self._pop()
        self._pop()

    def _pop(self) -> None:
        tag = self._open.pop()
        self._paragraphs -= tag == "p"
        self._builder.end(tag)

    def data(self, text: str) -> None:
        parent = self._open[-1] if self._open else "html"
        if (parent in _TABLE_CHILDREN or parent in _IN_PLACE) and not text.isspace():
            raise _NotPlainError(parent)
        self._builder.data(text)

    def close(self):
        return self._builder.close()


def parse_paper(markup: str):
    """The element tree of a paper's markup, or None where only an HTML5 parser gets it right."""
    if "<!ENTITY" in markup:
        return None  # a DTD's entities, which expat would expand and an HTML5 parser would not
    parser = ET.XMLParser(target=_PaperTree())
    try:
        parser.feed(markup)
        return parser.close()
    except (ET.ParseError, _NotPlainError):
        return None


# zlib level of a PDF's streams. pydyf compresses every stream at level 9; nearly all the bytes
# are the subset CJK font (~270 KB raw, see ``_one_pass_subset``), where level 9 took 8-16 ms
# of a 50-80 ms render and level 1 takes ~1 ms for files ~10 % larger.
PDF_ZLIB_LEVEL = 1


@contextlib.contextmanager
def paper_writing():
    """How our papers' PDFs are written, for this thread while the block runs (``write_pdf``
    under it): streams at ``PDF_ZLIB_LEVEL``, the font subset in one pass. Any other use of
    WeasyPrint in the process keeps WeasyPrint's and pydyf's own ways."""
    _install_one_pass_subset()
    _SUBSET.one_pass = True
    try:
        with _deflate_level(PDF_ZLIB_LEVEL):
            yield
    finally:
        _SUBSET.one_pass = False


class _Deflate:
    """Stands in for the ``zlib`` module inside pydyf: its streams are compressed at the level
    set for this thread by ``_deflate_level`` (level 9, pydyf's own, anywhere else)."""

    def __init__(self):
        self.local = threading.local()

    def compressobj(self, level=9, *args, **kwargs):
        return zlib.compressobj(getattr(self.local, "level", level), *args, **kwargs)

    def __getattr__(self, name):
        return getattr(zlib, name)


_DEFLATE = _Deflate()


@contextlib.contextmanager
def _deflate_level(level: int):
    import pydyf

    if getattr(pydyf, "zlib", None) is zlib:
        pydyf.zlib = _DEFLATE
    _DEFLATE.local.level = level
    try:
        yield
    finally:
        del _DEFLATE.local.level


_SUBSET = threading.local()

# Font tables a PDF does not use: WeasyPrint's own list, plus the vertical metrics (papers are
# written horizontally; a PDF takes its glyph widths from its own /W array, not the font's),
# a bitmap-font table and a font editor's timestamp. vmtx alone is 4 bytes per glyph id kept.
_DROPPED_TABLES = (
    b"BASE", b"BDF ", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"FFTM", b"GPOS", b"GSUB",
    b"JSTF", b"LTSH", b"PCLT", b"SVG ", b"vhea", b"vmtx",
)  # fmt: skip


@_made_once()
def _install_one_pass_subset():
    """Route WeasyPrint's HarfBuzz subset (``Font._harfbuzz_subset``) to ``_one_pass_subset``,
    and its copy of the whole font file (``Font.__init__``) to ``_font_file``, on a thread
    inside ``paper_writing``; WeasyPrint's own ways anywhere else."""
    import weasyprint.pdf.fonts as pdf_fonts

    font_class = pdf_fonts.Font
    weasyprints_subset = font_class._harfbuzz_subset
    weasyprints_init = font_class.__init__
    read_data = pdf_fonts.get_hb_object_data

    def subset(font, to_unicode, hinting):
        if not getattr(_SUBSET, "one_pass", False) or not _one_pass_subset(
            font, to_unicode, hinting
        ):
            weasyprints_subset(font, to_unicode, hinting)

    def init(font, *args, **kwargs):
        _SUBSET.font_init = getattr(_SUBSET, "one_pass", False)
        try:
            weasyprints_init(font, *args, **kwargs)
        finally:
            _SUBSET.font_init = False

    def object_data(hb_object, ot_color=None, glyph=None):
        if ot_color is None and getattr(_SUBSET, "font_init", False):
            return _font_file(hb_object, read_data)
        return read_data(hb_object, ot_color, glyph)

    font_class._harfbuzz_subset = subset
    font_class.__init__ = init
    pdf_fonts.get_hb_object_data = object_data


# The whole font files WeasyPrint copies at every PDF, kept: {(address, length, head): bytes}.
_FONT_FILES: dict[tuple, bytes] = {}


def _font_file(face, read_data) -> bytes:
    """The whole file of a font face, copied once per process.

    WeasyPrint copies the font file of every font a PDF uses into a Python ``bytes``
    (``Font.__init__``), to embed it whole if it is not subset: for our 16 MB CJK font that is
    a fresh 16 MB copy at every paper (~1.5-2.5 ms), thrown away once the subset is made. The
    faces come from the process's one font configuration and live as long as it; a face is
    known by where its file is mapped, its length and its first bytes."""
    from weasyprint.text.ffi import ffi, harfbuzz

    blob = harfbuzz.hb_face_reference_blob(face)
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        if data == ffi.NULL:
            return read_data(face)
        key = (int(ffi.cast("uintptr_t", data)), length[0], ffi.unpack(data, min(64, length[0])))
    finally:
        harfbuzz.hb_blob_destroy(blob)
    if key not in _FONT_FILES:
        if len(_FONT_FILES) >= 4:
            _FONT_FILES.clear()
        _FONT_FILES[key] = read_data(face)
    return _FONT_FILES[key]


def _one_pass_subset(font, to_unicode: dict, hinting: bool) -> bool:
    """The glyphs a PDF uses, kept at their glyph ids, in one HarfBuzz pass: the font
    WeasyPrint embeds, less the tables of ``_DROPPED_TABLES``. True when done.

    WeasyPrint subsets in two passes: the glyphs used with their ids kept and the hinting
    kept, then again for the ids up to the last one used, without hinting. The second pass
    keeps every glyph of the first (our CJK font's full-width colon is glyph 41,559 of
    44,960: a paper's subsets keep ids 0-41,559 either way) and the first's hinting is
    dropped anyway: one pass with both flags gives the same glyphs, outlines and metrics, in
    ~3 ms instead of ~9 ms, and without the vertical metrics the font is ~280 KB raw instead
    of ~450 KB.
    (tests/documents/test_pdf_writing.py: same pixels, same glyph outlines and widths.)"""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    if not harfbuzz_subset or not to_unicode:
        return False
    subset = harfbuzz_subset.hb_subset_input_create_or_fail()
    if subset == ffi.NULL:
        return False
    subset = ffi.gc(subset, harfbuzz_subset.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_glyph_set(subset),
        ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs),
        len(glyphs),
    )
    tags = sorted(harfbuzz.hb_tag_from_string(name, -1) for name in _DROPPED_TABLES)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(subset, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(tags)}]", tags),
        len(tags),
    )
    flags = (
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    )
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset, flags)
    face = harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset)
    if face == ffi.NULL:
        return False
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    data = get_hb_object_data(face)
    if not data:
        return False
    font.file_content = data
    return True


def _split_style(html: str) -> tuple[str, str, str]:
    """The page without its ``<style>`` element, and that element's text."""
    start = html.find("<style>")
    end = html.find("</style>", start)
    if start < 0 or end < 0:
        return html, "", ""
    return html[:start], html[start + len("<style>") : end], html[end + len("</style>") :]


@_made_once(maxsize=64)
def _stylesheet(text: str):
    """A template's stylesheet parsed once per process (it is the same at every render of a
    paper, the hall's name in its footer included): parsing it took ~10 % of a render.

    Given to WeasyPrint as a user stylesheet: with no author stylesheet left in the page
    and no ``!important``, it wins over the user-agent sheet exactly as the ``<style>`` did.
    Parsed without the font configuration, so that its ``@font-face`` is not registered again
    (``_font_config`` registered the font once, before any render).
    """
    from weasyprint import CSS, URLFetcher

    fetcher = URLFetcher(allowed_protocols=("file", "data"), timeout=1)
    return CSS(string=text, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)


_images = threading.local()

# The pictures we draw ourselves (QR codes as data: URIs, seals as files in the seal folder).
_PICTURE_SRC = re.compile(
    r'<img src="(data:image/png;base64,[^"]+|file://[^"]+/onetrip-seals-[^"]+)"'
)


def _keep_pictures(html: str, cache: dict) -> None:
    """Put the paper's own pictures into WeasyPrint's image cache as images kept for the
    process (``_kept_picture``), before the render looks them up by their URL."""
    for url in _PICTURE_SRC.findall(html):
        if url not in cache:
            cache[url] = _kept_picture(url)


@_made_once(maxsize=512)
def _kept_picture(url: str):
    """WeasyPrint's image of a QR code or seal, decoded once and encoded for the PDF once.

    WeasyPrint keeps a decoded image in its cache, but at every PDF it writes it decodes the
    PNG again and encodes it again for the PDF stream (``RasterImage.get_x_object``): ~3 ms
    per seal, a tenth of a decision's render. This one keeps the stream's bytes and gives
    each PDF a fresh stream object around them (its dictionary is the PDF's own). The kept
    image and its streams are shared by every render of the process: safe because PDFs are
    written one at a time (``_RENDERING``); a transparency mask stream inside ``extra`` is
    shared as it is."""
    import pydyf
    from PIL import Image
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.images import RasterImage

    class KeptImage(RasterImage):
        def get_x_object(self, interpolate, dpi_ratio):
            key = (interpolate, dpi_ratio)
            if key not in self.x_objects:
                self.x_objects[key] = super().get_x_object(interpolate, dpi_ratio)
            kept = self.x_objects[key]
            return pydyf.Stream(kept.stream, pydyf.Dictionary(kept.extra), kept.compress)

    if url.startswith("data:"):
        data = base64.b64decode(url.split(",", 1)[1])
    else:
        data = Path(url2pathname(urlsplit(url).path)).read_bytes()
    image_id = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
    picture = Image.open(io.BytesIO(data))
    image = KeptImage(picture, image_id, data, None, {}, "none", DEFAULT_OPTIONS)
    image.x_objects = {}
    return image


def _image_cache() -> dict:
    """WeasyPrint's image cache, one per thread (a render fills it while it runs), emptied
    between renders once it holds more than a few hundred entries: the seals stay decoded,
    the QR codes of past cases do not pile up."""
    cache = getattr(_images, "cache", None)
    if cache is None or len(cache) > 300:
        cache = _images.cache = {}
    return cache


# Printed pictures: 1 QR module = 1 pixel (scaled without smoothing), seals at 12 px/mm.
SEAL_PX_PER_MM = 12
INK = 38  # black at 85 % opacity on white, as the seal used to be drawn


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# White modules around the code, as printed (the cell around it is white too).
QR_BORDER = 2


def qr_code(data: str):
    """The QR code of ``data``, error correction M, as zxing-cpp draws it: the papers' codes
    and the window's screen alike. zxing-cpp (C++): python-qrcode took ~6 ms a code in pure
    Python, nine tenths of it trying the eight masks, and every receipt and certificate has
    a link of its own."""
    import zxingcpp

    return zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")


@functools.lru_cache(maxsize=1024)
def _qr_png_uri(data: str) -> str:
    """The QR code of ``data`` as a PNG data: URI, a pixel per module."""
    from PIL import Image, ImageOps

    modules = qr_code(data).to_image(scale=1, add_quiet_zones=False)
    height, width = modules.shape[:2]
    image = Image.frombytes("L", (width, height), bytes(memoryview(modules)))
    image = ImageOps.expand(image, border=QR_BORDER, fill=255)
    return "data:image/png;base64," + base64.b64encode(_png(image)).decode("ascii")


def qr_img(data: str, *, size_mm: int = 30) -> SafeString:
    """A QR code of ``data`` as a tiny PNG (a pixel per module) printed ``size_mm`` wide."""
    return mark_safe(f'<img src="{_qr_png_uri(data)}" alt="" {_sized(size_mm, "pixelated")}/>')


# Picture sizes with a class in templates/pdf/_base.html (``mm24``…): a style attribute is
# parsed again at every render, a class rule once per process.
SIZE_CLASSES = (24, 30, 36, 40)


def _sized(size_mm: int, extra_class: str = "") -> str:
    if size_mm in SIZE_CLASSES:
        return f'class="{f"mm{size_mm} {extra_class}".strip()}"'
    rendering = ";image-rendering:pixelated" if extra_class == "pixelated" else ""
    return f'style="width:{size_mm}mm;height:{size_mm}mm{rendering}"'


def _seal_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / f"onetrip-seals-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@functools.lru_cache(maxsize=256)
def _seal_png(name: str, title: str, size_mm: int) -> tuple[Path, bytes]:
    key = hashlib.sha256(f"{name}|{title}|{size_mm}|{SEAL_PX_PER_MM}|1".encode()).hexdigest()
    return _seal_dir() / f"{key[:32]}.png", _png(_draw_seal(name, title, size_mm * SEAL_PX_PER_MM))


def _seal_file(name: str, title: str, size_mm: int) -> str:
    """The seal's PNG, drawn once per department, title and size and kept in memory; on disk
    (named by the hash of what it shows) for WeasyPrint to read it by a ``file://`` URL its
    image cache keys on (a URL, not a data: URI of 10 KB to parse at every render)."""
    path, png = _seal_png(name, title, size_mm)
    if not path.exists():  # first use, or a temp cleaner removed it
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(png)
        os.replace(partial, path)  # atomic: a concurrent reader sees no half-written file
    return path.as_uri()


def _draw_seal(name: str, title: str, px: int):
    """A round official seal: ring, star, the department on the top arc, the title below
    (the drawing of ``seal_svg``, in a 100-unit box scaled to ``px`` pixels)."""
    from PIL import Image, ImageDraw, ImageFont

    unit = px / 100
    image = Image.new("L", (px, px), 255)
    draw = ImageDraw.Draw(image)

    def box(radius: float) -> tuple[float, float, float, float]:
        low, high = (50 - radius) * unit, (50 + radius) * unit
        return (low, low, high, high)

    draw.ellipse(box(48.5), outline=INK, width=round(3 * unit))
    draw.ellipse(box(43.9), outline=INK, width=max(1, round(0.8 * unit)))
    star = [
        (
            (50 + (14 if i % 2 == 0 else 5.6) * math.cos(math.radians(-90 + 36 * i))) * unit,
            (50 + (14 if i % 2 == 0 else 5.6) * math.sin(math.radians(-90 + 36 * i))) * unit,
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=INK)
    font = ImageFont.truetype(settings.PDF_FONT_PATH, round(10 * unit))
    chars = list(name)
    count = len(chars)
    span = min(240.0, 18.0 * max(count, 1))
    cell = round(14 * unit)
    for index, char in enumerate(chars):
        angle = -90 - span / 2 + span * (index + 0.5) / count
        rad = math.radians(angle)
        glyph = Image.new("L", (cell, cell), 0)
        ImageDraw.Draw(glyph).text((cell / 2, cell / 2), char, fill=255, font=font, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
        x = (50 + 36 * math.cos(rad)) * unit - cell / 2
        y = (50 + 36 * math.sin(rad)) * unit - cell / 2
        image.paste(INK, (round(x), round(y)), glyph)
    small = ImageFont.truetype(settings.PDF_FONT_PATH, round(8 * unit))
    draw.text((50 * unit, 78 * unit), title, fill=INK, font=small, anchor="mm")
    return image


def seal_img(department: str, *, title: str = "电子证照专用章", size_mm: int = 40) -> SafeString:
    """The round official seal of ``department`` as an image ``size_mm`` wide (drawn once)."""
    name = department or settings.HALL_NAME
    return mark_safe(
        f'<img src="{_seal_file(name, title, size_mm)}" alt="{html_lib.escape(name)}" '
        f"{_sized(size_mm)}/>"
    )
