"""Builders for documents: the case builders of tests/cases, a licence-issuing matter, and a
way to read PDFs back (pdftotext, from poppler-utils)."""

import re
import subprocess

import pytest

from tests.cases.conftest import (  # noqa: F401 - fixtures shared with the cases tests
    applicant_of,
    clerk,
    housing,
    housing_approver,
    make_case,
    matter,
    pdf,
    requirement,
    tax,
    tax_approver,
)
from tests.factories import (
    DepartmentFactory,
    LicenceTypeFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
    UserFactory,
)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as pdftotext reads it (layout kept)."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def squeeze(text: str) -> str:
    """Text without any white space (PDF lines and table cells break anywhere)."""
    return re.sub(r"\s+", "", text)


def cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ready_document(case, kind: str):
    """The case's paper of ``kind`` as a download gives it: rendered now if nobody has yet."""
    from documents.services import document_ready

    document = document_ready(case.documents.get(kind=kind))
    assert document is not None and document.status == "ready"
    return document


def document_text(case, kind: str) -> str:
    return pdf_text(document_bytes(case, kind))


@pytest.fixture
def renders(monkeypatch):
    """Every PDF rendered (kind by kind), counted where the download and the sweep render."""
    from documents.services import papers

    done = []
    real = papers.paper_pdf

    def counted(kind, context):
        done.append(kind)
        return real(kind, context)

    monkeypatch.setattr(papers, "paper_pdf", counted)
    return done


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def market(db):
    return DepartmentFactory(code="market", name="市市场监督管理局", short_name="市场监管")


@pytest.fixture
def shop_licence(market):
    """An e-licence type valid five years, issued by the market regulator."""
    return LicenceTypeFactory(
        code="food", name="食品经营许可证", issuing_department=market, valid_years=5
    )


@pytest.fixture
def licence_matter(market, shop_licence):
    """A matter whose approval issues a 食品经营许可证."""
    return MatterFactory(
        name="食品经营许可",
        lead_department=market,
        reviewing_departments=[market],
        result_name="食品经营许可证",
        result_licence_type=shop_licence,
    )


@pytest.fixture
def reuse_matter(market, shop_licence):
    """A matter that asks for the 食品经营许可证 (replaceable by the e-licence) and an ID card."""
    reusing = MatterFactory(
        name="食品经营许可变更", lead_department=market, reviewing_departments=[market]
    )
    RequirementFactory(
        matter=reusing,
        material=MaterialTypeFactory(name="食品经营许可证（正本）", licence_type=shop_licence),
        key=True,
        order=5,
    )
    return reusing


@pytest.fixture
def other_citizen(db):
    return UserFactory(citizen=True, name="周五")


@pytest.fixture(autouse=True)
def _render_in_process():
    """Run the render tasks in this process, as the embedded default does without Redis.

    ``make test`` sets REDIS_URL, which would send them to a broker no worker reads here.
    """
    from hall.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def pdf_pages(data: bytes) -> int:
    """The page count of a PDF, as pdfinfo (poppler-utils) reads it."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        info = subprocess.run(
            ["pdfinfo", handle.name], capture_output=True, check=True, text=True
        ).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))


def document_bytes(case, kind: str) -> bytes:
    with ready_document(case, kind).file.open("rb") as handle:
        return handle.read()
