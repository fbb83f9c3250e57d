"""Papers left pending when the broker was down are rendered by the periodic sweep."""

import datetime

import pytest
from django.utils import timezone

from documents.models import Document
from documents.tasks import render_pending_documents

pytestmark = pytest.mark.django_db


def test_the_sweep_renders_what_the_broker_never_got(make_case):
    case = make_case("in_review")  # on_commit never runs in this test: the receipt waits
    receipt = Document.objects.get(case=case, kind="receipt")
    assert receipt.status == "pending"
    assert render_pending_documents() == 0  # too fresh: its own task may still come
    Document.objects.filter(pk=receipt.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert render_pending_documents() == 1
    receipt.refresh_from_db()
    assert receipt.status == "ready" and receipt.size > 0
    assert render_pending_documents() == 0
