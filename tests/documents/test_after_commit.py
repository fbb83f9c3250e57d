"""With real commits: a case event records its papers and queues no render; the first
download renders a paper from its snapshot and keeps it."""

import pytest

from documents.models import Document
from documents.tasks import render_document

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_acceptance_queues_no_render_and_the_first_download_renders(make_case, citizen, client):
    case = make_case("in_review")  # every service commits; Celery would run eagerly on commit
    document = Document.objects.get(case=case, kind="receipt")
    assert document.status == "pending" and not document.file
    client.force_login(citizen)
    assert client.get(f"/cases/{case.number}/documents/receipt.pdf").status_code == 200
    document.refresh_from_db()
    assert document.status == "ready" and document.size > 0
    assert render_document.delay(document.pk).get() == "done"
    assert Document.objects.filter(case=case).count() == 1
