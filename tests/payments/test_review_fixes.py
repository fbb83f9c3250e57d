"""Money is never taken or kept for a case that does not keep it: fees payable only while
the case is live, orders closed at the gateway before the counter takes cash or after the
case ends, late or double payments paid back, the reconciliation not stalling, counter
refunds handed back by a clerk, and bad input refused with a code."""

import datetime
import json
import time

import pytest
from django.core.checks import Error
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent
from payments.api import callback_signature
from payments.checks import payment_gateway_check
from payments.models import Payment, StrayCharge
from payments.services import (
    payment_close_order,
    payment_record_counter,
    payment_send_refund,
    payment_send_stray_refund,
    payments_reconcile,
)
from tests.factories import UserFactory

from .conftest import session_client
from .fake_gateway import FakeGateway, gateway_settings
from .test_payments import token_client

pytestmark = pytest.mark.django_db

SECRET = "platform-callback-secret"  # gateway_settings' secret
CALLBACK = "/api/v1/payments/callback/"


@pytest.fixture
def platform(settings):
    with FakeGateway() as gateway:
        settings.PAYMENT_GATEWAY = gateway_settings(gateway.url)
        yield gateway


@pytest.fixture
def simulated(settings):
    settings.PAYMENT_GATEWAY = {**settings.PAYMENT_GATEWAY, "SECRET": SECRET}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def callback(payment: Payment, order_id: str, *, signature: str = ""):
    raw = json.dumps(
        {
            "reference": payment.reference,
            "order_id": order_id,
            "status": "paid",
            "amount": str(payment.amount),
        }
    ).encode()
    timestamp = str(int(time.time()))
    return APIClient().post(
        CALLBACK,
        raw,
        content_type="application/json",
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_SIGNATURE=signature or callback_signature(SECRET, timestamp, raw),
    )


def checkout(citizen, payment: Payment) -> Payment:
    session_client(citizen).post(f"/pay/{payment.reference}/")
    payment.refresh_from_db()
    return payment


# 1. Payable only while the case is live ------------------------------------------------


def test_a_draft_and_an_ended_case_cannot_be_paid(simulated, fee_case, citizen, clerk):
    draft = Payment.objects.get(case=fee_case("draft"))
    answer = token_client(citizen).post(f"/pay/{draft.reference}/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "case_not_payable"
    counter = api_for(clerk).post(
        f"/api/v1/cases/{draft.case.number}/payment/", {"method": "counter", "receipt": "R1"}
    )
    assert counter.status_code == 404  # the desk does not see drafts at all
    draft.refresh_from_db()
    assert draft.status == "unpaid"

    for status in ("withdrawn", "rejected"):
        case = fee_case(status)
        payment = Payment.objects.get(case=case)
        assert payment.status == "cancelled"
        assert Case.objects.get(pk=case.pk).fee_outstanding is False
        page = session_client(citizen).get(f"/my/cases/{case.number}/").content.decode()
        assert "去缴费" not in page
        assert token_client(citizen).post(f"/pay/{payment.reference}/").status_code == 409
        assert Payment.objects.get(pk=payment.pk).status == "cancelled"


def test_a_paid_callback_for_a_withdrawn_case_is_recorded_and_refunded(simulated, fee_case):
    case = fee_case("withdrawn")
    payment = Payment.objects.get(case=case)
    answer = callback(payment, "UNI-LATE")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"result": "refunded"}
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert payment.order_id == "UNI-LATE"
    assert payment_send_refund(payment_id=payment.pk) is not None  # the task after commit
    assert CaseEvent.objects.filter(case=case, action="payment_refunded").count() == 1
    assert callback(payment, "UNI-LATE").json() == {"result": "duplicate"}


def test_a_paid_callback_for_a_draft_is_paid_back_and_the_fee_still_owed(simulated, fee_case):
    case = fee_case("draft")
    payment = Payment.objects.get(case=case)
    answer = callback(payment, "UNI-DRAFT")
    assert answer.json() == {"result": "refunded"}
    payment.refresh_from_db()
    assert payment.status == "unpaid"
    assert StrayCharge.objects.get().order_id == "UNI-DRAFT"


# 2. Counter on top of an online order ---------------------------------------------------


def test_the_counter_closes_the_open_order_and_a_later_online_payment_is_refunded(
    platform, fee_case, citizen, clerk
):
    case = fee_case("approved")
    payment = checkout(citizen, Payment.objects.get(case=case))
    order = payment.order_id
    assert order

    payment_record_counter(case=case, by=clerk, receipt="NT-1")
    assert platform.closes == [order]
    payment.refresh_from_db()
    assert (payment.status, payment.method) == ("paid", "counter")

    # The platform paid anyway (it answered the close late): paid back, not "duplicate".
    answer = callback(payment, order)
    assert answer.json() == {"result": "refunded"}
    stray = StrayCharge.objects.get(payment=payment)
    payment_send_stray_refund(stray_id=stray.pk)  # the task after commit
    assert platform.refunds == [order]
    payment.refresh_from_db()
    assert (payment.status, payment.method) == ("paid", "counter")


def test_the_counter_refuses_cash_when_the_order_was_paid_online(
    platform, fee_case, citizen, clerk
):
    case = fee_case("approved")
    payment = checkout(citizen, Payment.objects.get(case=case))
    platform.pay(payment.order_id)
    answer = api_for(clerk).post(
        f"/api/v1/cases/{case.number}/payment/", {"method": "counter", "receipt": "NT-2"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "already_paid"
    payment.refresh_from_db()
    assert (payment.status, payment.method, payment.counter_receipt) == ("paid", "online", "")


def test_a_second_order_paid_on_a_paid_payment_is_refunded(simulated, fee_case):
    payment = Payment.objects.get(case=fee_case("in_review"))
    assert callback(payment, "UNI-A").json() == {"result": "paid"}
    assert callback(payment, "UNI-B").json() == {"result": "refunded"}
    assert callback(payment, "UNI-B").json() == {"result": "duplicate"}
    assert list(StrayCharge.objects.values_list("order_id", flat=True)) == ["UNI-B"]


# 3. Cancelling closes the order; a late payment is refunded -----------------------------


def test_a_cancelled_payment_closes_its_order_at_the_platform(
    platform, fee_case, citizen, clerk, django_capture_on_commit_callbacks, monkeypatch
):
    from payments.tasks import close_order

    monkeypatch.setattr(close_order, "delay", close_order)  # the worker, in-process
    case = fee_case("submitted")
    payment = checkout(citizen, Payment.objects.get(case=case))
    order = payment.order_id
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject(case=case, by=clerk, reason="不属于本事项受理范围。")
    assert platform.closes == [order]
    assert platform.orders[order]["status"] == "closed"
    payment.refresh_from_db()
    assert (payment.status, payment.order_id) == ("cancelled", "")


def test_a_late_payment_of_a_cancelled_order_is_found_and_refunded(
    platform, fee_case, citizen, clerk
):
    case = fee_case("submitted")
    payment = checkout(citizen, Payment.objects.get(case=case))
    order = payment.order_id
    services.case_reject(case=case, by=clerk, reason="不属于本事项受理范围。")  # close not run
    platform.pay(order)
    Payment.objects.filter(pk=payment.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    counts = payments_reconcile()
    assert counts["asked"] == 1
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert order in platform.refunds


def test_closing_an_order_paid_meanwhile_refunds_it(platform, fee_case, citizen, clerk):
    case = fee_case("submitted")
    payment = checkout(citizen, Payment.objects.get(case=case))
    services.case_reject(case=case, by=clerk, reason="不属于本事项受理范围。")
    platform.pay(payment.order_id)
    assert payment_close_order(payment_id=payment.pk) == "paid"
    payment.refresh_from_db()
    assert payment.status == "refunded"


# 4. A denial refunds whatever the matter's fee is now -----------------------------------


def test_a_denied_case_is_refunded_after_the_matter_fee_was_removed(
    simulated, fee_case, fee_matter
):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    assert callback(payment, "UNI-1").json() == {"result": "paid"}
    fee_matter.fee = 0
    fee_matter.save(update_fields=["fee"])
    case = Case.objects.get(pk=case.pk)
    for review in case.reviews.select_related("department"):
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="deny", opinion="不符合。")
    payment.refresh_from_db()
    assert payment.status == "refunded"


# 5. The reconciliation does not stall ---------------------------------------------------


def test_a_closed_order_is_forgotten_and_a_new_one_can_be_placed(platform, fee_case, citizen):
    case = fee_case("in_review")
    payment = checkout(citizen, Payment.objects.get(case=case))
    old_order, old_key = payment.order_id, payment.idempotency_key
    platform.orders[old_order]["status"] = "closed"  # expired at the platform
    Payment.objects.filter(pk=payment.pk).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert payments_reconcile()["closed"] == 1
    payment.refresh_from_db()
    assert (payment.order_id, payment.gateway_url, payment.ordered_at) == ("", "", None)
    assert payment.idempotency_key != old_key

    payment = checkout(citizen, payment)
    assert payment.order_id and payment.order_id != old_order


def test_the_least_recently_asked_orders_go_first_and_old_ones_are_dropped(
    platform, fee_case, citizen
):
    payments = [checkout(citizen, Payment.objects.get(case=fee_case("in_review"))) for _ in "ab"]
    Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
        ordered_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    payments_reconcile(limit=1)
    payments_reconcile(limit=1)
    assert sorted(platform.queries) == sorted(p.order_id for p in payments)

    Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
        ordered_at=timezone.now() - datetime.timedelta(days=30)
    )
    assert payments_reconcile()["asked"] == 0


# 6. No simulated gateway in production ---------------------------------------------------


def test_the_simulated_gateway_is_refused_with_debug_off_unless_allowed(settings):
    simulated = {**settings.PAYMENT_GATEWAY, "BACKEND": "payments.gateways.SimulatedGateway"}
    settings.DEBUG = False
    settings.PAYMENT_GATEWAY = {**simulated, "ALLOW_SIMULATED": False}
    errors = payment_gateway_check(None)
    assert [e.id for e in errors] == ["payments.E001"]
    assert all(isinstance(e, Error) for e in errors)
    settings.PAYMENT_GATEWAY = {**simulated, "ALLOW_SIMULATED": True}
    assert payment_gateway_check(None) == []
    settings.DEBUG = True
    settings.PAYMENT_GATEWAY = {**simulated, "ALLOW_SIMULATED": False}
    assert payment_gateway_check(None) == []


# 7. A counter refund waits for the clerk ------------------------------------------------


def test_a_counter_paid_fee_is_refunded_in_cash_confirmed_by_a_clerk(fee_case, clerk, citizen):
    case = fee_case("submitted")
    payment_record_counter(case=case, by=clerk, receipt="NT-9")
    services.case_reject(case=case, by=clerk, reason="不属于本事项受理范围。")
    payment = Payment.objects.get(case=case)
    assert payment.status == "refunded"
    assert payment_send_refund(payment_id=payment.pk) is None
    payment.refresh_from_db()
    assert payment.refund_sent_at is None

    assert "待窗口退费" in session_client(citizen).get(f"/my/cases/{case.number}/").content.decode()
    desk = session_client(clerk)
    assert "待窗口退费" in desk.get(f"/desk/cases/{case.number}/").content.decode()
    url = f"/desk/cases/{case.number}/payment/refund/"
    assert session_client(citizen).post(url).status_code == 403
    assert desk.post(url).status_code == 302
    payment.refresh_from_db()
    assert payment.refund_sent_at is not None
    assert "待窗口退费" not in desk.get(f"/desk/cases/{case.number}/").content.decode()


# 8. The counter payment API's bad input ---------------------------------------------------


def test_counter_payment_bad_bodies_are_400_with_a_code_after_the_state_checks(
    fee_case, clerk, citizen
):
    case = fee_case("approved")
    url = f"/api/v1/cases/{case.number}/payment/"
    desk = api_for(clerk)
    for body in ({"method": "counter", "receipt": 123}, [1, 2], {"method": "card"}):
        answer = desk.post(url, body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        assert answer.json()["code"] == "invalid"
    assert api_for(citizen).post(url, {"method": "card"}, format="json").status_code == 403
    assert Payment.objects.get(case=case).status == "unpaid"
    desk.post(url, {"method": "counter", "receipt": "NT-3"}, format="json")
    answer = desk.post(url, {"method": "card"}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (409, "already_paid")


# 9. A non-ASCII signature ----------------------------------------------------------------


def test_a_non_ascii_signature_is_refused(simulated, fee_case):
    payment = Payment.objects.get(case=fee_case("in_review"))
    answer = callback(payment, "UNI-1", signature="签名")
    assert answer.status_code == 403
    assert answer.json()["code"] == "bad_signature"


def test_the_counter_refuses_cash_when_a_new_order_was_placed_meanwhile(
    platform, fee_case, citizen, clerk, monkeypatch
):
    from payments.exceptions import GatewayUnavailableError
    from payments.gateways import HttpGateway

    case = fee_case("approved")
    payment = checkout(citizen, Payment.objects.get(case=case))

    def close_while_the_payer_orders_again(self, closing):
        Payment.objects.filter(pk=closing.pk).update(order_id="UNI-NEW")
        return "closed"

    monkeypatch.setattr(HttpGateway, "close", close_while_the_payer_orders_again)
    with pytest.raises(GatewayUnavailableError):
        payment_record_counter(case=case, by=clerk, receipt="NT-4")
    payment.refresh_from_db()
    assert (payment.status, payment.order_id) == ("unpaid", "UNI-NEW")
