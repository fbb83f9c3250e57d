"""The one PDF helper, and the pictures PDFs embed (QR codes, the seal) as inline SVG.

WeasyPrint is imported inside ``render_pdf`` only (it is slow to import and only workers and
the guide view need it). Templates live under ``templates/pdf/``: block and table layout, the
CJK font from a local file (``@font-face`` with a ``file://`` URL), no network: any URL the
HTML asks for other than a local file is refused by the URL fetcher.
"""

import functools
import html as html_lib
import logging
import math
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# WeasyPrint logs every rendering step at INFO; keep its warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def font_url() -> str:
    """``file://`` URL of the CJK font the PDFs embed (subset) — settings.PDF_FONT_PATH."""
    return Path(settings.PDF_FONT_PATH).resolve().as_uri()


@functools.cache
def _font_config():
    """One font configuration per process: the CJK font file is loaded once, not per render.

    A fresh configuration per render loads the 16 MB font again each time and, measured with
    bench/pdf.py, grows the process by ~150 MB over 80 renders; shared, it stays flat.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


# Layouts a template may offer through ``density``: 0 is the normal one, each next is denser.
DENSITIES = (0, 1, 2, 3, 4)


def render_pdf(template: str, context: dict, *, fit_pages: int | None = None) -> tuple[str, bytes]:
    """Render ``templates/pdf/<template>`` to HTML and to PDF bytes (A4, fonts subset).

    With ``fit_pages`` the template is laid out at ``density`` 0, 1, 2… until it fits that
    many pages (the densest layout is kept if nothing fits); without it, at density 0.
    """
    from weasyprint import HTML, URLFetcher

    # Local files and data: URLs only; a PDF never reaches out to the network.
    fetcher = URLFetcher(allowed_protocols=("file", "data"), timeout=1)
    start = min(context.get("density", 0), DENSITIES[-1])
    for density in DENSITIES[start:] if fit_pages else (start,):
        html = render_to_string(template, {**context, "density": density, "font_url": font_url()})
        source = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
        document = source.render(font_config=_font_config(), pdf_identifier=b"onetrip")
        if fit_pages is None or len(document.pages) <= fit_pages:
            break
    return html, document.write_pdf(pdf_identifier=b"onetrip")


def qr_svg(data: str, *, size_mm: int = 30) -> SafeString:
    """A QR code of ``data`` as inline SVG (black on white, no Pillow)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    svg = qr.make_image(image_factory=SvgPathImage).to_string(encoding="unicode")
    # Give it a printed size; drop the XML declaration so it embeds in HTML.
    svg = svg[svg.index("<svg") :]
    svg = svg.replace("<svg ", f'<svg style="width:{size_mm}mm;height:{size_mm}mm" ', 1)
    return mark_safe(svg)


def seal_svg(department: str, *, title: str = "电子证照专用章", size_mm: int = 40) -> SafeString:
    """A round official seal drawn as SVG: ring, star, department name on the arc, title."""
    name = html_lib.escape(department or settings.HALL_NAME)
    title = html_lib.escape(title)
    chars = list(department or settings.HALL_NAME)
    count = len(chars)
    # The name runs along the top arc, from lower left to lower right (about 240°).
    span = min(240.0, 18.0 * max(count, 1))
    letters = []
    for index, char in enumerate(chars):
        angle = -90 - span / 2 + span * (index + 0.5) / count
        rad = math.radians(angle)
        x = 50 + 36 * math.cos(rad)
        y = 50 + 36 * math.sin(rad)
        letters.append(
            f'<text x="{x:.2f}" y="{y:.2f}" font-size="10" text-anchor="middle" '
            f'dominant-baseline="central" transform="rotate({angle + 90:.1f} {x:.2f} {y:.2f})">'
            f"{html_lib.escape(char)}</text>"
        )
    star = " ".join(
        f"{50 + (14 if i % 2 == 0 else 5.6) * math.cos(math.radians(-90 + 36 * i)):.2f},"
        f"{50 + (14 if i % 2 == 0 else 5.6) * math.sin(math.radians(-90 + 36 * i)):.2f}"
        for i in range(10)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" '
        f'style="width:{size_mm}mm;height:{size_mm}mm" role="img" aria-label="{name}">'
        '<g fill="none" stroke="#000" stroke-opacity="0.85">'
        '<circle cx="50" cy="50" r="47" stroke-width="3"/>'
        '<circle cx="50" cy="50" r="43.5" stroke-width="0.8"/></g>'
        f'<g fill="#000" fill-opacity="0.85" font-family="WQY, sans-serif">'
        f'<polygon points="{star}"/>{"".join(letters)}'
        f'<text x="50" y="78" font-size="8" text-anchor="middle">{title}</text></g></svg>'
    )
    return mark_safe(svg)
