"""What each part of the receipt costs, in instructions: the receipt rendered as it is and
with one part taken out or drawn another way, each counted by valgrind's cachegrind.

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/paper_parts.py [--jobs 2]

Needs valgrind (Debian ``valgrind``; not installed by ``make``). Timings of one paper move by
±15 % between runs on a shared machine, and by up to 2× between its spells: a change worth
4 % does not show in them. The number of instructions a render runs is the same at every
run (``PYTHONHASHSEED=0``), so variants of one paper compare exactly. It does not give the
ratio to a bare page (bench/pdf.py times that): the bare page's default font subsetting and
zlib level run many instructions fast.

Each variant is counted as (12 renders − 2 renders) / 10, after a first render and the
garbage collector settled as in a web worker (``hall.heap.settle``), so the process's start,
imports and first render cancel out; about a minute a variant, ``--jobs`` at a time.
"""

import argparse
import itertools
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))


def _flatten_tables(html: str) -> str:
    """Every ruled table's rows as paragraphs (the foot left as it is)."""
    parts = re.split(r'(<table class="bottom unruled">.*?</table>)', html, flags=re.S)
    out = []
    for part in parts:
        if not part.startswith('<table class="bottom'):
            part = re.sub(r"<table[^>]*>", "<div>", part).replace("</table>", "</div>")
            part = re.sub(r"<tr[^>]*>", "<p>", part).replace("</tr>", "</p>")
            part = re.sub(r"</t[hd]>", " ", re.sub(r"<t[hd][^>]*>", "", part))
        out.append(part)
    return "".join(out)


def _collapsed(html: str) -> str:
    """The lines drawn as collapsed borders, as papers did before."""
    html = html.replace(
        "border-collapse: separate; border-spacing: 0; border: 0.3pt solid #000;",
        "border-collapse: collapse;",
    )
    return html.replace("th, td { border: 0.3pt solid #000;", "th, td { border: 0.6pt solid #000;")


def _four_cells_a_row(html: str) -> str:
    """The materials' table as it was before the seventh papers pass: number, name, kind and
    copies, and state each in a cell of its own (with the width rule papers no longer have)."""
    html = html.replace("</style>", ".w13 { width: 13%; }\n</style>", 1).replace(
        "<th>材料名称（类别·份数）</th>",
        '<th class="w7">序号</th><th>材料名称</th><th class="w13">类别·份数</th>',
    )
    return re.sub(
        r"<tr><td>(\d+)\. (.*?)（([主辅]件·\d+份)）</td>",
        r"<tr><td>\1</td><td>\2</td><td>\3</td>",
        html,
    )


VARIANTS = {
    "as it is": lambda html: html,
    "materials in four cells a row": _four_cells_a_row,
    "tables as paragraphs": _flatten_tables,
    "without its foot": lambda html: re.sub(
        r'<table class="bottom unruled">.*?</table>', "", html, flags=re.S
    ),
    "collapsed borders": _collapsed,
    "without the page footer": lambda html: re.sub(r"@bottom-center \{[^}]*\}", "", html),
    "without the stamp": lambda html: re.sub(r'<p class="stamp">.*?</p>', "", html),
    "without the QR code": lambda html: re.sub(r"<img [^>]*/>", "", html, count=1),
    "labels without grey": lambda html: html.replace("th { background: #eee; }", ""),
}


def render(variant: str, renders: int) -> None:
    """Render the bench's receipt ``renders`` times as ``variant`` (run under valgrind)."""
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    import pdf as paper_bench

    import documents.pdf as pdf_module
    from documents.services import paper_pdf
    from hall.heap import settle

    change = VARIANTS[variant]
    original = pdf_module.render_to_string

    def changed(*args, **kwargs):
        html = original(*args, **kwargs)
        result = change(html)
        if result == html and variant != "as it is":
            # A template that no longer has what the variant takes out: its count would be
            # the receipt's own, read as "this part costs nothing".
            raise RuntimeError(f"the variant {variant!r} changed nothing in the receipt")
        return result

    pdf_module.render_to_string = changed
    serial = itertools.count(1)
    paper_pdf("receipt", paper_bench.of_a_new_case(paper_bench.RECEIPT, next(serial)))
    settle(papers=False)  # as a web worker does after its first paper (hall.heap)
    for _ in range(renders):
        paper_pdf("receipt", paper_bench.of_a_new_case(paper_bench.RECEIPT, next(serial)))


def instructions(variant: str, renders: int) -> int:
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--render",
            variant,
            str(renders),
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_render(variant: str) -> float:
    return (instructions(variant, 12) - instructions(variant, 2)) / 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--render", nargs=2, metavar=("VARIANT", "RENDERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
        render(args.render[0], int(args.render[1]))
        return
    with ThreadPoolExecutor(args.jobs) as pool:
        counts = dict(zip(VARIANTS, pool.map(per_render, VARIANTS), strict=True))
    whole = counts["as it is"]
    print("| the receipt | instructions per render | against as it is |")
    print("|---|---|---|")
    for variant, count in counts.items():
        print(f"| {variant} | {count / 1e6:.1f} M | {(count - whole) / whole:+.1%} |")


if __name__ == "__main__":
    main()
