"""A paper is rendered from its snapshot by its first download, once, and kept; a download
never gives a file made from another snapshot than the one the row holds."""

import hashlib
import subprocess

import pytest
from django.db import connection

from cases.models import Case
from documents.models import Document
from documents.services import SnapshotMismatchError, document_request, papers, snapshot_hash
from tests.pictures import scanned

from .conftest import pdf_text, squeeze

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(make_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # what a commit would run
        return make_case("in_review")


def download(client, case, kind="receipt") -> bytes:
    response = client.get(f"/cases/{case.number}/documents/{kind}.pdf")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_first_download_renders_the_paper_and_the_next_ones_read_it(
    accepted, citizen, client, renders
):
    receipt = Document.objects.get(case=accepted, kind="receipt")
    assert receipt.status == "pending" and not receipt.file and renders == []
    client.force_login(citizen)
    first = download(client, accepted)
    assert renders == ["receipt"]
    second = download(client, accepted)
    assert renders == ["receipt"]  # kept, not rendered again
    assert first == second
    receipt.refresh_from_db()
    assert receipt.status == "ready"
    assert receipt.sha256 == hashlib.sha256(first).hexdigest()
    assert receipt.snapshot_sha256 == snapshot_hash(receipt.context)
    assert accepted.number in squeeze(pdf_text(first))


def test_a_paper_asked_for_again_is_never_served_from_its_old_file(accepted, citizen, client):
    client.force_login(citizen)
    assert "5个工作日" in squeeze(pdf_text(download(client, accepted)))
    Case.objects.filter(pk=accepted.pk).update(committed_days=17)
    document_request(case=Case.objects.get(pk=accepted.pk), kind="receipt")  # a new snapshot
    text = squeeze(pdf_text(download(client, accepted)))
    assert "17个工作日" in text and "5个工作日" not in text


def test_a_snapshot_that_no_longer_matches_its_hash_is_not_rendered(accepted, citizen, client):
    receipt = Document.objects.get(case=accepted, kind="receipt")
    Document.objects.filter(pk=receipt.pk).update(context={**receipt.context, "number": "X"})
    client.force_login(citizen)
    with pytest.raises(SnapshotMismatchError):
        client.get(f"/cases/{accepted.number}/documents/receipt.pdf")
    receipt.refresh_from_db()
    assert receipt.status == "pending" and not receipt.file


def test_the_receipt_qr_code_is_the_tracking_link(accepted, citizen, client, tmp_path):
    from PIL import Image

    client.force_login(citizen)
    (tmp_path / "receipt.pdf").write_bytes(download(client, accepted))
    subprocess.run(
        ["pdfimages", "-png", str(tmp_path / "receipt.pdf"), str(tmp_path / "image")], check=True
    )
    [picture] = sorted(tmp_path.glob("image-*.png"))
    [code] = scanned(picture)
    assert code.text == f"https://onetrip.test/track/?number={accepted.number}"
    assert code.ec_level == "M"
    # One pixel a module, nothing lost: 17 + 4 × version modules and a 2-module border.
    modules = 17 + 4 * int(code.extra["Version"])
    assert Image.open(picture).size == (modules + 4, modules + 4)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_downloads_at_once_render_one_file(make_case, monkeypatch, settings):
    """Two requests for the same unrendered paper at the same moment: one render, one file."""
    import threading
    import time

    from documents.services import document_ready

    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested: PostgreSQL only")
    case = make_case("in_review")  # real commits; the event queues no render
    pending = Document.objects.get(case=case, kind="receipt")
    assert pending.status == "pending"
    done, real = [], papers.paper_pdf

    def slow(kind, context):
        done.append(kind)
        time.sleep(0.3)  # both requests arrive while the first renders
        return real(kind, context)

    monkeypatch.setattr(papers, "paper_pdf", slow)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def ask(index):
        try:
            barrier.wait()
            results[index] = document_ready(Document.objects.get(pk=pending.pk))
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert done == ["receipt"]
    assert [r.status for r in results] == ["ready", "ready"], results
    assert results[0].sha256 == results[1].sha256 and results[0].file.name == results[1].file.name
    folder = settings.MEDIA_ROOT / "documents" / case.number
    assert [p.name for p in folder.iterdir()] == ["receipt.pdf"]
    stored = Document.objects.get(pk=pending.pk)
    with stored.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256
