"""The HTTP gateway (unified payment platform) in-process: the order placed once whatever the
clicks, the payer sent to the platform, the reconciliation, refunds through the platform."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent
from payments.models import Payment
from payments.services import payment_send_refund, payments_reconcile
from tests.factories import UserFactory

from .conftest import session_client
from .fake_gateway import FakeGateway, gateway_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(settings):
    with FakeGateway() as gateway:
        settings.PAYMENT_GATEWAY = gateway_settings(gateway.url)
        yield gateway


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_paying_places_one_order_and_sends_the_payer_to_the_platform(platform, fee_case, citizen):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)

    browser = session_client(citizen)
    first = browser.post(f"/pay/{payment.reference}/")
    assert first.status_code == 302
    order_id = FakeGateway.order_id_for(str(payment.idempotency_key))
    assert first["Location"] == f"{platform.url}/pay/{order_id}"
    answer = api_for(citizen).post(f"/pay/{payment.reference}/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "unpaid"
    assert answer.json()["gateway_url"] == f"{platform.url}/pay/{order_id}"

    # Two clicks, one order at the platform (the same idempotency key); nothing paid yet.
    assert platform.order_calls == [str(payment.idempotency_key)] * 2
    assert list(platform.orders) == [order_id]
    payment.refresh_from_db()
    assert payment.status == "unpaid"
    assert payment.order_id == order_id
    assert Case.objects.get(pk=case.pk).fee_outstanding is True


def test_the_reconciliation_marks_paid_what_the_platform_has_paid(platform, fee_case, citizen):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    session_client(citizen).post(f"/pay/{payment.reference}/")
    payment.refresh_from_db()

    # Too recent: not asked yet.
    assert payments_reconcile()["asked"] == 0
    Payment.objects.filter(pk=payment.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert payments_reconcile() == {
        "asked": 1,
        "paid": 0,
        "failed": 0,
        "refunds": 0,
        "closed": 0,
    }

    platform.pay(payment.order_id)
    assert payments_reconcile()["paid"] == 1
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert payment.method == "online"
    assert payments_reconcile()["asked"] == 0  # nothing open any more
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1


def test_a_denied_case_paid_online_is_refunded_through_the_platform(
    platform, fee_case, citizen, clerk
):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    session_client(citizen).post(f"/pay/{payment.reference}/")
    payment.refresh_from_db()
    platform.pay(payment.order_id)
    Payment.objects.filter(pk=payment.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    payments_reconcile()

    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="deny", opinion="不符合。")
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert payment.refund_sent_at is None  # sent after commit by a task

    payment_send_refund(payment_id=payment.pk)
    assert platform.refunds == [payment.order_id]
    payment_send_refund(payment_id=payment.pk)  # once
    assert platform.refunds == [payment.order_id]
    assert Payment.objects.get(pk=payment.pk).refund_sent_at is not None
