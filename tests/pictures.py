"""Reading the QR codes the project draws, as a phone would, and the papers' pages as poppler
prints them."""

import subprocess
import tempfile
from pathlib import Path


def scanned(picture) -> list:
    """What a QR reader makes of a code printed a pixel per module (scaled up, as a camera
    would see it, in a white margin)."""
    import zxingcpp
    from PIL import Image, ImageOps

    image = Image.open(picture).convert("L")
    image = image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)
    return zxingcpp.read_barcodes(ImageOps.expand(image, border=16, fill=255))


def pages_in_grey(data: bytes, dpi: int = 72) -> list[bytes]:
    """Every page of the PDF ``data`` as poppler's ``pdftoppm`` prints it in grey, as PGM
    files (the same pixels give the same bytes; ``PIL.Image.open`` reads them)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "paper.pdf"
        source.write_bytes(data)
        command = ["pdftoppm", "-r", str(dpi), "-gray", str(source), f"{folder}/page"]
        subprocess.run(command, check=True)
        return [page.read_bytes() for page in sorted(Path(folder).glob("page*.pgm"))]


def scanned_svg(svg: str) -> list:
    """What a QR reader makes of an inline SVG code, drawn on a page at 150 dpi."""
    import zxingcpp
    from PIL import Image
    from weasyprint import HTML

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "code.pdf"
        source.write_bytes(HTML(string=f"<html><body>{svg}</body></html>").write_pdf())
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), f"{folder}/page"],
            check=True,
        )
        return zxingcpp.read_barcodes(Image.open(Path(folder) / "page.png"))
