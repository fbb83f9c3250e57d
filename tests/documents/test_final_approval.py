"""The final approval click renders no paper: the decision and the licence certificate are
recorded with their snapshots and rendered by their first download (or the sweep), never in
the approver's request, even with everything after the commit run in this process."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Case
from documents.models import Document
from tests.cases.conftest import drive_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def written() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "documents"
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_the_final_approval_renders_no_pdf(
    client, citizen, clerk, market, licence_matter, renders, django_capture_on_commit_callbacks
):
    approver = UserFactory(approver=True, department=market, name="市场审批")
    case = drive_case("in_review", owner=citizen, clerk=clerk, matter=licence_matter)
    review = case.reviews.get()
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:cases_review_change", args=[review.pk]),
            {"action": "decide", "decision-decision": "approve", "decision-opinion": "同意。"},
        )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == "approved"
    papers_of_case = dict(Document.objects.filter(case=case).values_list("kind", "status"))
    assert papers_of_case["decision"] == papers_of_case["licence"] == "pending"
    assert renders == [] and written() == []

    # The first download renders the decision, once.
    client.force_login(citizen)
    assert client.get(f"/cases/{case.number}/documents/decision.pdf").status_code == 200
    assert renders == ["decision"]
    assert [path.name for path in written()] == ["decision.pdf"]
