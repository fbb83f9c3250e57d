"""The desk prints the papers of the case on the spot: one click each, only those the case
has, the one just decided offered at once; the PDF is rendered by that first download."""

import pytest
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import Case
from documents.models import Document
from tests.documents.conftest import pdf_text, squeeze
from tests.factories import DepartmentFactory, UserFactory

from .helpers import checklist_data, url

pytestmark = pytest.mark.django_db

ALL_IN = {"居民身份证": "received", "完税凭证": "received", "授权委托书": "none"}


def paper_url(case: Case, kind: str) -> str:
    return reverse("documents:document-download", args=[case.number, kind])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def walk_in(clerk, matter) -> Case:
    """A person at the counter: the clerk starts the application at the window."""
    return services.case_create(
        by=clerk,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name="陈晓东", phone="13900001111", id_number="11010519491231002X"
        ),
    )


def test_the_walk_in_leaves_with_the_receipt(clerk_client, walk_in):
    response = clerk_client.post(
        url("case-intake", walk_in.number), checklist_data(walk_in, "accept", ALL_IN)
    )
    assert response.status_code == 302
    assert response.url == url("case-intake", walk_in.number) + "?print=receipt"

    page = clerk_client.get(response.url).content.decode()
    offer = page[page.index("data-print-now") : page.index('<div class="desk-grid">')]
    assert "打印受理通知书" in offer
    assert f'href="{paper_url(walk_in, "receipt")}" target="_blank"' in offer

    pdf = clerk_client.get(paper_url(walk_in, "receipt"))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    text = squeeze(pdf_text(b"".join(pdf.streaming_content)))
    assert walk_in.number in text and "受理通知书" in text


def test_an_online_case_accepted_without_the_applicant_offers_nothing_at_once(
    clerk_client, make_case
):
    case = make_case("submitted")
    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "accept", ALL_IN)
    )
    assert response.url == url("case-intake", case.number)
    page = clerk_client.get(response.url).content.decode()
    assert "data-print-now" not in page
    # The receipt is still one click away in the case's papers.
    assert f'href="{paper_url(case, "receipt")}"' in page


def test_a_refusal_at_the_window_offers_the_refusal_paper(clerk_client, walk_in):
    response = clerk_client.post(
        url("case-intake", walk_in.number),
        checklist_data(walk_in, "reject", ALL_IN, reason="不属于本机关职权范围。"),
    )
    assert response.url.endswith("?print=refusal")
    page = clerk_client.get(response.url).content.decode()
    assert "打印不予受理通知书" in page
    assert f'href="{paper_url(walk_in, "refusal")}"' in page
    assert paper_url(walk_in, "receipt") not in page  # only the papers the case has


def test_a_one_time_notice_at_the_window_offers_the_notice(clerk_client, walk_in):
    marks = {**ALL_IN, "完税凭证": ("missing", "印章不清。")}
    response = clerk_client.post(
        url("case-intake", walk_in.number), checklist_data(walk_in, "notice", marks)
    )
    assert response.url.endswith("?print=one_time_notice")
    page = clerk_client.get(response.url).content.decode()
    assert "打印一次性告知书" in page


def test_the_case_page_lists_each_paper_of_the_case_once(clerk_client, make_case, clerk):
    case = make_case("ready")
    kinds = set(case.documents.values_list("kind", flat=True))
    assert {"receipt", "decision"} <= kinds
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    papers = page[page.index('id="papers"') :]
    for kind in kinds:
        assert papers.count(f'data-paper="{kind}"') == 1
    assert 'data-paper="delivery_receipt"' not in papers
    assert "决定书" in papers

    # Collected at the window: the 送达回证 is offered at once.
    response = clerk_client.post(url("case-collect", case.number))
    assert response.url.endswith("?print=delivery_receipt")
    page = clerk_client.get(response.url).content.decode()
    assert "打印送达回证" in page
    assert clerk_client.get(paper_url(case, "delivery_receipt")).status_code == 200


def test_only_those_who_may_see_the_case_get_its_papers(client, clerk_client, make_case, citizen):
    case = make_case("in_review")
    receipt = Document.objects.get(case=case, kind="receipt")
    stranger = UserFactory(citizen=True, name="王五")
    other_approver = UserFactory(approver=True, department=DepartmentFactory(code="police"))
    for refused in (client, client_for(stranger), client_for(other_approver)):
        assert refused.get(paper_url(case, "receipt")).status_code == 404
    receipt.refresh_from_db()
    assert receipt.status == "pending" and not receipt.file  # a refusal renders nothing
    # Nor does the desk open for them.
    assert client_for(stranger).get(url("case-intake", case.number)).status_code == 403
    assert client_for(other_approver).get(url("case-intake", case.number)).status_code == 403

    assert clerk_client.get(paper_url(case, "receipt")).status_code == 200
    assert client_for(citizen).get(paper_url(case, "receipt")).status_code == 200
    receipt.refresh_from_db()
    assert receipt.status == "ready"
