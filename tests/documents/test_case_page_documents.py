"""The citizen's case page lists the case's papers for download."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_case_page_lists_the_acceptance_receipt(
    make_case, citizen, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("in_review")
    client.force_login(citizen)
    page = client.get(reverse("cases:case-detail", args=[case.number])).content.decode()
    assert "办件文书" in page
    assert reverse("documents:document-download", args=[case.number, "receipt"]) in page
