"""Every form on the citizen's and the clerk's case pages posts to an explicit address, so
that a page rendered at another view's URL (a refused resubmission, a refused hand-over)
never sends the next form to that view."""

import re

import pytest
from django.urls import reverse

from tests.cases.conftest import pdf, requirement

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b[^>]*>", re.S)


def forms_of(response) -> list[str]:
    return FORM.findall(response.content.decode())


def test_a_refused_resubmission_renders_upload_forms_that_post_to_the_case_page(
    client, citizen, make_case
):
    case = make_case("supplement_required")
    client.force_login(citizen)
    response = client.post(reverse("cases:case-resubmit", args=[case.number]))
    assert response.status_code == 400
    forms = forms_of(response)
    uploads = [tag for tag in forms if "upload-form" in tag]
    assert uploads, "the page offers the asked material's upload"
    detail = reverse("cases:case-detail", args=[case.number])
    assert all(f'action="{detail}"' in tag for tag in uploads)
    assert all("action=" in tag for tag in forms if 'method="post"' in tag)

    # The file posted there lands.
    response = client.post(
        detail, {"requirement": requirement(case, "完税凭证"), "file": pdf("tax.pdf")}
    )
    assert response.status_code == 302
    assert (
        case.materials.get(material_type__name="完税凭证")
        .files.filter(original_name="tax.pdf")
        .exists()
    )


def test_the_draft_pages_post_to_themselves_explicitly(client, citizen, make_case):
    case = make_case("draft")
    client.force_login(citizen)
    for name in ("case-materials", "case-review", "case-edit"):
        response = client.get(reverse(f"cases:{name}", args=[case.number]))
        posts = [tag for tag in forms_of(response) if 'method="post"' in tag]
        assert posts and all("action=" in tag for tag in posts), name
    response = client.get(reverse("cases:case-materials", args=[case.number]))
    materials = reverse("cases:case-materials", args=[case.number])
    assert all(f'action="{materials}"' in tag for tag in forms_of(response) if "upload-form" in tag)


def test_the_desk_checklist_posts_to_the_case_even_when_rendered_by_a_refusal(
    client, clerk, make_case
):
    case = make_case("submitted")
    client.force_login(clerk)
    # A clerk may not rate: the case page is rendered at …/rating/ with its checklist.
    response = client.post(reverse("windows:case-rating", args=[case.number]))
    assert response.status_code == 403
    checklist = [tag for tag in forms_of(response) if "data-checklist" in tag]
    assert checklist
    assert f'action="{reverse("windows:case-intake", args=[case.number])}"' in checklist[0]
    assert all("action=" in tag for tag in forms_of(response) if 'method="post"' in tag)
