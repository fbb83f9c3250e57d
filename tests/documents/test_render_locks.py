"""Rendering a paper locks the paper's row only, never its case (a clerk may act meanwhile)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import Document
from documents.services import document_render

pytestmark = pytest.mark.django_db


def test_rendering_locks_the_document_row_and_not_the_case(make_case):
    case = make_case("in_review")  # on_commit never runs in this test: the receipt waits
    receipt = Document.objects.get(case=case, kind="receipt")
    with CaptureQueriesContext(connection) as queries:
        document_render(document_id=receipt.pk)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks, "the render takes a row lock"
    for sql in locks:
        assert 'FOR UPDATE OF "documents_document"' in sql
        assert '"cases_case"' not in sql.split("FOR UPDATE", 1)[1]
