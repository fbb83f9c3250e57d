"""The long-running processes settle their garbage collector once started (hall/heap.py): a
gunicorn worker (``hall.wsgi``) with the papers warmed up, a Celery prefork child without."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hall import heap

ROOT = Path(__file__).resolve().parents[2]

# What a fresh process reports once it has loaded the module given.
REPORT = """
import gc, json, sys
{load}
from documents import pdf
print(json.dumps({{
    "frozen": gc.get_freeze_count(),
    "young": gc.get_threshold()[0],
    "weasyprint": "weasyprint" in sys.modules,
    "font_files": len(pdf._FONT_FILES),
}}))
"""


def report_after(load: str, **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", REPORT.format(load=load)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_web_process_has_the_papers_loaded_and_its_start_frozen_when_it_is_ready():
    started = report_after("import hall.wsgi")
    # The first download no longer loads WeasyPrint and the 16 MB font: they are in already.
    assert started["weasyprint"] is True
    assert started["font_files"] == 1
    # Everything loaded so far sits in the permanent generation, which no collection walks.
    assert started["frozen"] > 100_000
    assert started["young"] == 10_000


@pytest.mark.slow
def test_the_young_generation_threshold_is_a_setting():
    # Neither Python's default (700) nor ours (10,000): only the setting gives this value.
    assert report_after("import hall.wsgi", GC_YOUNG_THRESHOLD="2500")["young"] == 2500


@pytest.mark.slow
def test_a_celery_child_settles_when_started_without_loading_the_papers():
    load = (
        "import django\n"
        "django.setup()  # as Celery's Django fix-up does in the worker\n"
        "import hall.celery\n"
        "from celery.signals import worker_process_init\n"
        "worker_process_init.send(sender=None)"
    )
    started = report_after(load)
    assert started["frozen"] > 100_000
    assert started["young"] == 10_000
    assert started["weasyprint"] is False


@pytest.fixture
def collector_restored():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_paper_that_cannot_render_does_not_stop_the_process_starting(
    collector_restored, monkeypatch, caplog
):
    def broken():
        raise OSError("no font")

    monkeypatch.setattr("documents.pdf.warm_up", broken)
    heap.settle()
    assert "Could not render the warm-up paper" in caplog.text
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == 10_000


@pytest.mark.slow
def test_a_process_that_rendered_papers_leaves_no_copy_of_the_font_behind():
    load = (
        "import hall.wsgi\n"
        "from documents.pdf import _font_config\n"
        "print(_font_config()._folder, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", REPORT.format(load=load)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    folder = Path(result.stderr.strip().splitlines()[-1])
    assert folder.name.startswith("weasyprint-")
    assert not folder.exists()  # WeasyPrint's 17 MB copy of the font, gone with the process
    assert "Exception ignored" not in result.stderr
