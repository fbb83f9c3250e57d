"""With real commits: the render task runs after the event's transaction, once."""

import pytest

from documents.models import Document
from documents.tasks import render_document

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_receipt_is_rendered_after_the_acceptance_commits(make_case):
    case = make_case("in_review")  # every service commits; Celery runs eagerly on commit
    document = Document.objects.get(case=case, kind="receipt")
    assert document.status == "ready" and document.size > 0
    assert render_document.delay(document.pk).get() == "done"
    assert Document.objects.filter(case=case).count() == 1
