"""API clients read their papers: every link the API gives downloads with the same token."""

import pytest
from rest_framework.test import APIClient

from cases import services
from cases.models import Case
from documents.models import Licence

from .conftest import applicant_of, pdf

pytestmark = pytest.mark.django_db


def token_client(user, password) -> APIClient:
    """A client that signs in as an app does: a token from the API, no session."""
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"username": user.username, "password": password})
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def accepted(make_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_case("in_review", deferred=True)


def test_every_document_url_of_the_case_api_downloads_with_the_token(accepted, citizen, password):
    app = token_client(citizen, password)
    documents = app.get(f"/api/v1/cases/{accepted.number}/").json()["documents"]
    assert sorted(d["kind"] for d in documents) == ["commitment", "receipt"]
    for document in documents:
        response = app.get(document["url"])
        assert response.status_code == 200, document["url"]
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert body(response).startswith(b"%PDF")


def test_a_clerks_token_downloads_too(accepted, clerk, password):
    url = f"/cases/{accepted.number}/documents/receipt.pdf"
    assert token_client(clerk, password).get(url).status_code == 200


def test_strangers_and_bad_tokens_get_404(accepted, other_citizen, password):
    url = f"/cases/{accepted.number}/documents/receipt.pdf"
    refused = token_client(other_citizen, password).get(url)
    assert refused.status_code == 404
    assert refused.json() == {"detail": "未找到。", "code": "not_found"}
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert forged.get(url).status_code == 404
    malformed = APIClient()
    malformed.credentials(HTTP_AUTHORIZATION="Token two words")
    assert malformed.get(url).status_code == 404
    assert APIClient().get(url).status_code == 404


def test_a_token_does_not_open_a_paper_not_made(accepted, citizen, password):
    app = token_client(citizen, password)
    assert app.get(f"/cases/{accepted.number}/documents/decision.pdf").status_code == 404
    assert app.get(f"/cases/{accepted.number}/documents/nonsense.pdf").status_code == 404


@pytest.fixture
def window_licence(
    clerk, citizen, licence_matter, market, django_capture_on_commit_callbacks
) -> Licence:
    """A licence from a case the clerk took in at the window for the citizen's identity."""
    from tests.factories import UserFactory

    clerk.authorised_departments.add(market)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_create(
            by=clerk, matter=licence_matter, applicant=applicant_of(citizen)
        )
        for material in case.materials.filter(required=True):
            services.material_upload(
                case=case, by=clerk, requirement_id=material.requirement_id, upload=pdf()
            )
        services.case_submit(case=case, by=clerk)
        services.case_accept(case=case, by=clerk)
        for review in case.reviews.all():
            approver = UserFactory(approver=True, department=review.department)
            services.review_decide(review=review, by=approver, decision="approve", opinion="同意")
    licence = Licence.objects.get(case=case)
    # As if the citizen signed up only after the window case: the case is no account's, the
    # licence still the holder's.
    Case.objects.filter(pk=case.pk).update(owner=None)
    assert licence.holder_id == citizen.id_number
    return licence


def test_the_wallet_api_gives_a_certificate_url_the_holder_can_download(
    window_licence, citizen, other_citizen, password
):
    app = token_client(citizen, password)
    [entry] = app.get("/api/v1/licences/").json()["results"]
    assert entry["number"] == window_licence.number
    assert entry["url"] == f"/cases/{window_licence.case.number}/documents/licence.pdf"
    response = app.get(entry["url"])
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF")
    # The holder is the applicant, whose identity opens the case's other papers too.
    receipt = f"/cases/{window_licence.case.number}/documents/receipt.pdf"
    assert app.get(receipt).status_code == 200
    stranger = token_client(other_citizen, password)
    assert stranger.get("/api/v1/licences/").json()["results"] == []
    assert stranger.get(entry["url"]).status_code == 404


def test_the_wallet_page_link_opens_for_the_holder_signed_in(window_licence, citizen, client):
    client.force_login(citizen)
    page = client.get("/my/licences/").content.decode()
    url = f"/cases/{window_licence.case.number}/documents/licence.pdf"
    assert url in page
    assert client.get(url).status_code == 200


def test_the_wallet_url_renders_a_pending_certificate_and_is_null_once_it_failed(
    window_licence, citizen, password
):
    app = token_client(citizen, password)
    url = f"/cases/{window_licence.case.number}/documents/licence.pdf"
    document = window_licence.document
    assert document.status == "pending"  # nobody asked for it yet
    [entry] = app.get("/api/v1/licences/").json()["results"]
    assert entry["url"] == url
    response = app.get(url)
    assert response.status_code == 200 and body(response).startswith(b"%PDF")
    document.refresh_from_db()
    assert document.status == "ready"
    document.status = "failed"
    document.save(update_fields=["status"])
    [entry] = app.get("/api/v1/licences/").json()["results"]
    assert entry["url"] is None
    assert app.get(url).status_code == 404


def test_a_licence_belongs_to_its_holder_not_to_whoever_filed_the_case(
    window_licence, citizen, other_citizen, password
):
    """Even a case another account filed (an agent) does not put the licence in its wallet."""

    Case.objects.filter(pk=window_licence.case_id).update(owner=other_citizen)
    filer = token_client(other_citizen, password)
    assert filer.get("/api/v1/licences/").json()["results"] == []
    holder = token_client(citizen, password)
    [entry] = holder.get("/api/v1/licences/").json()["results"]
    assert entry["number"] == window_licence.number


def test_staff_tokens_follow_the_case_view_rule(
    accepted, housing_approver, supervisor, password, db
):
    from tests.factories import DepartmentFactory, UserFactory

    url = f"/cases/{accepted.number}/documents/receipt.pdf"
    assert token_client(housing_approver, password).get(url).status_code == 200
    assert token_client(supervisor, password).get(url).status_code == 200
    elsewhere = UserFactory(
        approver=True, department=DepartmentFactory(code="edu", name="市教育局")
    )
    assert token_client(elsewhere, password).get(url).status_code == 404


def test_a_deactivated_accounts_token_opens_nothing(accepted, citizen, password):
    app = token_client(citizen, password)
    url = f"/cases/{accepted.number}/documents/receipt.pdf"
    assert app.get(url).status_code == 200
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert app.get(url).status_code == 404
