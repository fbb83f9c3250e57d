"""The English translation is complete: every string the templates and the code mark for
translation has English in locale/en, and the compiled catalog Django reads matches it.

After changing UI text, ``make messages`` extracts the new strings into locale/en; this test
names every one still without English.
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What makemessages reads (the Makefile's `messages` target ignores the rest).
SKIPPED = {".venv", ".git", ".make", "tests", "bench", "locale", "static", "staticfiles",
           "node_modules", "media", "docs", "__pycache__"}  # fmt: skip


def _catalog(po: Path, tmp_path: Path) -> dict:
    """The translations msgfmt keeps from ``po`` (it drops untranslated and fuzzy entries)."""
    mo = tmp_path / f"{po.stem}-check.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as f:
        return dict(gettext.GNUTranslations(f)._catalog)


def test_every_string_of_the_templates_and_code_has_english(tmp_path, monkeypatch):
    # Extract afresh from a copy of the sources, so that the committed file is left alone.
    source = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=lambda folder, names: [n for n in names if n in SKIPPED or n.endswith(".sqlite3")],
        symlinks=True,
    )
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["en"], verbosity=0)
    fresh = source / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert fresh.exists()

    # msgcmp: every msgid of the fresh extraction must be in locale/en, translated, not fuzzy.
    result = subprocess.run(
        ["msgcmp", str(PO), str(fresh)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        "Strings without English in locale/en/LC_MESSAGES/django.po (run `make messages`, "
        "then translate them):\n" + _described(fresh, result.stderr)
    )


def _described(fresh: Path, report: str) -> str:
    """msgcmp names line numbers of the fresh extraction: show each msgid and where it is used."""
    lines = fresh.read_text(encoding="utf-8").splitlines()
    out = []
    for number in re.findall(r"django\.po:(\d+): this message is used but not defined", report):
        at = int(number) - 1
        start = at
        while start > 0 and lines[start - 1].strip():
            start -= 1
        end = at
        while end + 1 < len(lines) and lines[end + 1].startswith(("msgid", '"')):
            end += 1
        out.append("\n".join(lines[start : end + 1]))
    return "\n\n".join(out) or report


# Chinese left in a page template outside {% translate %} / {% blocktranslate %} would show
# in Chinese on an English page. Papers (templates/pdf) and notices (.txt) stay Chinese.
CJK = re.compile(r"[\u4e00-\u9fff]+")
BRAND_MARK = "政"  # the logo glyph of every page frame (portal, kiosk, error pages)
TEMPLATE_MARKUP = re.compile(
    r"\{% *comment *%\}.*?\{% *endcomment *%\}|\{#.*?#\}"
    r"|\{% *blocktranslate.*?\{% *endblocktranslate *%\}|\{%.*?%\}|\{\{.*?\}\}",
    re.S,
)


def test_no_page_template_has_chinese_outside_a_translation_tag():
    pages = Path(settings.BASE_DIR) / "templates"
    found = []
    for template in sorted(pages.rglob("*.html")):
        name = str(template.relative_to(pages))
        if name.startswith("pdf/"):
            continue
        text = TEMPLATE_MARKUP.sub("", template.read_text(encoding="utf-8"))
        found += [f"{name}: {words}" for words in CJK.findall(text) if words != BRAND_MARK]
    assert found == [], "Wrap these in {% translate %} or {% blocktranslate %}"


def test_locale_en_has_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(
        ["msgattrib", "--only-fuzzy", str(PO)], capture_output=True, text=True, check=True
    )
    assert "msgid" not in result.stdout, "Fuzzy entries left:\n" + result.stdout
    result = subprocess.run(
        ["msgattrib", "--untranslated", str(PO)], capture_output=True, text=True, check=True
    )
    assert "msgid" not in result.stdout, "Untranslated entries left:\n" + result.stdout


def test_compiled_catalog_matches_the_translation(tmp_path):
    if not MO.exists():
        pytest.fail(f"{MO} is missing: `make install` compiles it (msgfmt, from gettext).")
    with MO.open("rb") as f:
        compiled = dict(gettext.GNUTranslations(f)._catalog)
    assert compiled == _catalog(PO, tmp_path), f"{MO} is stale: run `make install`."


def test_scripts_take_their_words_from_the_page():
    """The pages' scripts hold no Chinese: what they write comes from the (translated) page."""
    scripts = Path(settings.BASE_DIR) / "static" / "js"
    found = [
        f"{script.name}: {words}"
        for script in sorted(scripts.rglob("*.js"))
        for words in CJK.findall(script.read_text(encoding="utf-8"))
    ]
    assert found == []
