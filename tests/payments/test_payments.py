"""网上缴费: a case with a fee is issued only once paid (online or at the counter); paying twice
charges once; a denial refunds or cancels; the receipt; who may pay and record."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent
from documents.models import Document
from payments.models import Payment
from tests.cases.conftest import applicant_of, pdf
from tests.factories import HallFactory, UserFactory

from .conftest import FEE, PASSWORD, session_client

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    # As a real API client: no session, no CSRF cookie, and CSRF enforced as in production.
    client = APIClient(enforce_csrf_checks=True)
    answer = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def staff_api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def issue(clerk, case) -> object:
    return staff_api(clerk).post(f"/api/v1/cases/{case.number}/issue/")


# Creation and the detail ----------------------------------------------------------------


def test_a_case_with_a_fee_owes_it_from_creation(fee_case, citizen_api):
    case = fee_case("draft")
    payment = Payment.objects.get(case=case)
    assert payment.amount == FEE
    assert payment.status == "unpaid"
    assert payment.reference == f"PAY{case.number}"
    assert Case.objects.get(pk=case.pk).fee_outstanding is True

    answer = citizen_api.get(f"/api/v1/cases/{case.number}/").json()["payment"]
    assert answer["amount"] == "80.00"
    assert answer["status"] == "unpaid"
    assert answer["reference"] == payment.reference
    assert answer["pay_url"] is None  # a draft is paid once submitted
    submitted = fee_case("submitted")
    answer = citizen_api.get(f"/api/v1/cases/{submitted.number}/").json()["payment"]
    assert answer["pay_url"] == f"/pay/{submitted.payment.reference}/"


def test_a_case_without_a_fee_has_no_payment(make_case, citizen_api):
    case = make_case("draft")
    assert not Payment.objects.filter(case=case).exists()
    assert citizen_api.get(f"/api/v1/cases/{case.number}/").json()["payment"] is None


def test_staff_see_the_payment_without_a_pay_url(fee_case, clerk):
    case = fee_case("submitted")
    answer = staff_api(clerk).get(f"/api/v1/cases/{case.number}/").json()["payment"]
    assert answer["status"] == "unpaid"
    assert answer["pay_url"] is None


# The guard on issue ---------------------------------------------------------------------


def test_issue_while_unpaid_is_refused_and_nothing_changes(fee_case, clerk):
    case = fee_case("approved")
    events = CaseEvent.objects.filter(case=case).count()

    response = issue(clerk, case)

    assert response.status_code == 409
    assert response.json()["code"] == "payment_outstanding"
    assert Case.objects.get(pk=case.pk).status == "approved"
    assert CaseEvent.objects.filter(case=case).count() == events


def test_counter_payment_then_issue(fee_case, clerk):
    case = fee_case("approved")
    response = staff_api(clerk).post(
        f"/api/v1/cases/{case.number}/payment/", {"method": "counter", "receipt": "NT-0001"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["payment"]["status"] == "paid"
    assert body["payment"]["method"] == "counter"
    payment = Payment.objects.get(case=case)
    assert payment.counter_receipt == "NT-0001"
    assert payment.recorded_by == clerk
    assert Case.objects.get(pk=case.pk).fee_outstanding is False
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1

    assert issue(clerk, case).status_code == 200
    assert Case.objects.get(pk=case.pk).status == "ready"


def test_counter_payment_refusals(fee_case, clerk, citizen):
    case = fee_case("approved")
    url = f"/api/v1/cases/{case.number}/payment/"

    # A citizen (even the applicant) records nothing at the counter.
    answer = token_client(citizen).post(url, {"method": "counter", "receipt": "X"}, format="json")
    assert answer.status_code == 403
    # A receipt number is required.
    answer = staff_api(clerk).post(url, {"method": "counter", "receipt": " "}, format="json")
    assert answer.status_code == 400
    assert "receipt" in answer.json()
    assert Payment.objects.get(case=case).status == "unpaid"
    # Another hall's clerk.
    other = UserFactory(clerk=True, hall=HallFactory())
    answer = staff_api(other).post(url, {"method": "counter", "receipt": "X"}, format="json")
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_payment_hall"
    # Paid once; a second time is refused and changes nothing.
    assert staff_api(clerk).post(url, {"method": "counter", "receipt": "R1"}).status_code == 200
    answer = staff_api(clerk).post(url, {"method": "counter", "receipt": "R2"}, format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "already_paid"
    assert Payment.objects.get(case=case).counter_receipt == "R1"
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1


def test_counter_payment_of_a_case_without_fee_is_refused(make_case, clerk):
    case = make_case("approved")
    answer = staff_api(clerk).post(
        f"/api/v1/cases/{case.number}/payment/", {"method": "counter", "receipt": "X"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "no_fee"


# Online payment (simulated gateway) -----------------------------------------------------


def test_online_payment_with_the_session_and_a_second_post_changes_nothing(
    fee_case, citizen, clerk
):
    case = fee_case("approved")
    payment = Payment.objects.get(case=case)
    browser = session_client(citizen)

    page = browser.get(f"/pay/{payment.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "80.00" in text and case.number in text and "确认支付" in text

    response = browser.post(f"/pay/{payment.reference}/")
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert payment.method == "online"
    paid_at = payment.paid_at

    again = browser.post(f"/pay/{payment.reference}/")
    assert again.status_code == 302
    payment.refresh_from_db()
    assert payment.paid_at == paid_at
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1
    assert issue(clerk, case).status_code == 200


def test_online_payment_with_an_api_token_answers_json(fee_case, citizen):
    case = fee_case("in_review")
    api = token_client(citizen)
    pay_url = api.get(f"/api/v1/cases/{case.number}/").json()["payment"]["pay_url"]

    shown = api.get(pay_url)
    assert shown.status_code == 200
    assert shown.json()["status"] == "unpaid"

    first = api.post(pay_url)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "paid"
    second = api.post(pay_url)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Payment.objects.filter(case=case, status="paid").count() == 1
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1
    detail = api.get(f"/api/v1/cases/{case.number}/").json()["payment"]
    assert detail["status"] == "paid"
    assert detail["pay_url"] is None


def test_a_browser_post_without_its_csrf_token_is_refused(fee_case, citizen):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen)
    assert browser.post(f"/pay/{payment.reference}/").status_code == 403
    assert Payment.objects.get(pk=payment.pk).status == "unpaid"


def test_someone_else_may_not_see_or_pay(fee_case, clerk):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    stranger = UserFactory(citizen=True)
    assert session_client(stranger).get(f"/pay/{payment.reference}/").status_code == 404
    assert session_client(stranger).post(f"/pay/{payment.reference}/").status_code == 404
    answer = token_client(stranger).post(f"/pay/{payment.reference}/")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    # Staff record a counter payment; they do not pay online for the applicant.
    assert session_client(clerk).post(f"/pay/{payment.reference}/").status_code == 404
    assert Client().post(f"/pay/{payment.reference}/").status_code == 302  # to sign in
    assert Payment.objects.get(pk=payment.pk).status == "unpaid"


def test_the_citizen_case_page_offers_payment_then_the_receipt(fee_case, citizen):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    browser = session_client(citizen)
    page = browser.get(f"/my/cases/{case.number}/").content.decode()
    assert "去缴费" in page and f"/pay/{payment.reference}/" in page

    browser.post(f"/pay/{payment.reference}/")
    page = browser.get(f"/my/cases/{case.number}/").content.decode()
    assert "已缴费" in page
    assert f"/cases/{case.number}/documents/payment_receipt.pdf" in page


# Receipt --------------------------------------------------------------------------------


def test_a_paid_fee_gets_an_electronic_receipt(fee_case, citizen):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    token_client(citizen).post(f"/pay/{payment.reference}/")

    document = Document.objects.get(case=case, kind="payment_receipt")
    assert document.title == "电子缴费票据"
    assert document.context["amount"] == "80.00"
    assert document.context["reference"] == payment.reference
    assert document.context["method"] == "网上缴费"
    documents = token_client(citizen).get(f"/api/v1/cases/{case.number}/").json()["documents"]
    receipt = next(d for d in documents if d["kind"] == "payment_receipt")
    download = token_client(citizen).get(receipt["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


# Denial ---------------------------------------------------------------------------------


def test_a_denied_case_with_a_paid_fee_is_refunded_and_issued(citizen, clerk, fee_matter):
    case = services.case_create(by=citizen, matter=fee_matter, applicant=applicant_of(citizen))
    for material in case.materials.all():
        if material.required:
            services.material_upload(
                case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
            )
    services.case_submit(case=case, by=citizen)
    services.case_accept(case=case, by=clerk)
    payment = Payment.objects.get(case=case)
    token_client(citizen).post(f"/pay/{payment.reference}/")
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="deny", opinion="不符合。")

    payment.refresh_from_db()
    assert Case.objects.get(pk=case.pk).status == "denied"
    assert payment.status == "refunded"
    assert payment.refunded_at is not None
    assert CaseEvent.objects.filter(case=case, action="payment_refunded").count() == 1
    assert issue(clerk, case).status_code == 200


def test_a_denied_case_with_an_unpaid_fee_is_cancelled_and_issued(fee_case, clerk, citizen):
    case = fee_case("denied")
    payment = Payment.objects.get(case=case)
    assert payment.status == "cancelled"
    assert Case.objects.get(pk=case.pk).fee_outstanding is False
    assert not CaseEvent.objects.filter(case=case, action="payment_refunded").exists()
    answer = token_client(citizen).post(f"/pay/{payment.reference}/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "payment_closed"
    assert issue(clerk, case).status_code == 200


# Desk -----------------------------------------------------------------------------------


def test_the_desk_records_a_counter_payment(fee_case, clerk):
    case = fee_case("approved")
    desk = session_client(clerk)
    page = desk.get(f"/desk/cases/{case.number}/").content.decode()
    assert "登记窗口缴费" in page

    missing = desk.post(f"/desk/cases/{case.number}/payment/", {"receipt": ""})
    assert missing.status_code == 302
    assert Payment.objects.get(case=case).status == "unpaid"

    done = desk.post(f"/desk/cases/{case.number}/payment/", {"receipt": "NT-7"})
    assert done.status_code == 302
    payment = Payment.objects.get(case=case)
    assert payment.status == "paid"
    assert payment.counter_receipt == "NT-7"


def test_the_desk_lists_the_payment_receipt_among_the_papers(fee_case, clerk):
    case = fee_case("approved")
    desk = session_client(clerk)
    desk.post(f"/desk/cases/{case.number}/payment/", {"receipt": "NT-8"})
    receipt = case.documents.get(kind="payment_receipt")

    page = desk.get(f"/desk/cases/{case.number}/").content.decode()

    papers = page[page.index('id="papers-title"') :]
    assert receipt.title in papers
    assert 'data-paper="payment_receipt"' in papers


def test_a_citizen_may_not_use_the_desk_counter(fee_case, citizen):
    case = fee_case("approved")
    response = session_client(citizen).post(f"/desk/cases/{case.number}/payment/", {"receipt": "X"})
    assert response.status_code == 403
    assert Payment.objects.get(case=case).status == "unpaid"


def test_a_withdrawn_case_cancels_its_fee_and_a_refused_one_refunds_it(fee_case, citizen, clerk):
    withdrawn = fee_case("withdrawn")
    assert Payment.objects.get(case=withdrawn).status == "cancelled"
    assert Case.objects.get(pk=withdrawn.pk).fee_outstanding is False

    refused = fee_case("submitted")
    payment = Payment.objects.get(case=refused)
    token_client(citizen).post(f"/pay/{payment.reference}/")
    services.case_reject(case=refused, by=clerk, reason="不属于本事项受理范围。")
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert CaseEvent.objects.filter(case=refused, action="payment_refunded").count() == 1
