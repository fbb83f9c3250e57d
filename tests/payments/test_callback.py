"""The payment platform's signed callback, and confirmations racing each other: exactly one
charge per case whatever arrives twice."""

import json
import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent
from documents.models import Document
from payments.api import callback_signature
from payments.models import Payment
from payments.services import payment_confirm

pytestmark = pytest.mark.django_db

SECRET = "payments-callback-test-secret"
URL = "/api/v1/payments/callback/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.PAYMENT_GATEWAY = {**settings.PAYMENT_GATEWAY, "SECRET": SECRET}


def send(body: dict, *, secret: str = SECRET, at: int | None = None, signature: str = ""):
    raw = json.dumps(body).encode()
    timestamp = str(at if at is not None else int(time.time()))
    headers = {
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": signature or callback_signature(secret, timestamp, raw),
    }
    return APIClient().post(URL, raw, content_type="application/json", **headers)


def paid(payment: Payment, **extra) -> dict:
    return {
        "reference": payment.reference,
        "order_id": "UNI-1",
        "status": "paid",
        "amount": str(payment.amount),
        **extra,
    }


def test_a_callback_twice_makes_one_payment(fee_case):
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)

    first = send(paid(payment))
    assert first.status_code == 200, first.content
    assert first.json() == {"result": "paid"}
    second = send(paid(payment))
    assert second.status_code == 200
    assert second.json() == {"result": "duplicate"}

    payment.refresh_from_db()
    assert payment.status == "paid"
    assert payment.method == "online"
    assert payment.order_id == "UNI-1"
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1
    assert Document.objects.filter(case=case, kind="payment_receipt").count() == 1
    assert Case.objects.get(pk=case.pk).fee_outstanding is False


def test_a_bad_signature_is_refused(fee_case):
    payment = Payment.objects.get(case=fee_case("in_review"))
    answer = send(paid(payment), secret="someone-else")
    assert answer.status_code == 403
    assert answer.json()["code"] == "bad_signature"
    answer = APIClient().post(URL, paid(payment), format="json")  # unsigned
    assert answer.status_code == 403
    assert answer.json()["code"] == "missing_signature"
    assert Payment.objects.get(pk=payment.pk).status == "unpaid"


def test_a_stale_timestamp_is_refused(fee_case, settings):
    payment = Payment.objects.get(case=fee_case("in_review"))
    max_age = settings.PAYMENT_GATEWAY["CALLBACK_MAX_AGE"]
    answer = send(paid(payment), at=int(time.time()) - max_age - 5)
    assert answer.status_code == 400
    assert answer.json()["code"] == "stale_timestamp"
    assert Payment.objects.get(pk=payment.pk).status == "unpaid"


def test_without_a_configured_secret_every_callback_is_refused(fee_case, settings):
    settings.PAYMENT_GATEWAY = {**settings.PAYMENT_GATEWAY, "SECRET": ""}
    payment = Payment.objects.get(case=fee_case("in_review"))
    answer = send(paid(payment), secret="anything")
    assert answer.status_code == 403
    assert Payment.objects.get(pk=payment.pk).status == "unpaid"


def test_an_amount_mismatch_is_refused_and_logged(fee_case, caplog):
    payment = Payment.objects.get(case=fee_case("in_review"))
    answer = send(paid(payment, amount="0.01"))
    assert answer.status_code == 409
    assert answer.json()["code"] == "amount_mismatch"
    assert Payment.objects.get(pk=payment.pk).status == "unpaid"
    assert any("amount 0.01" in record.getMessage() for record in caplog.records)


def test_an_unknown_reference_and_bad_body(fee_case):
    answer = send({"reference": "PAY-NONE", "status": "paid", "amount": "1.00"})
    assert answer.status_code == 404
    assert answer.json()["code"] == "unknown_payment"
    answer = send({"reference": "PAY-NONE", "status": "weird", "amount": "x"})
    assert answer.status_code == 400


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirmations_at_once_make_one_charge(fee_case):
    assert connection.vendor == "postgresql"
    case = fee_case("in_review")
    payment = Payment.objects.get(case=case)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def confirm():
        try:
            barrier.wait(timeout=10)
            results.append(payment_confirm(payment_id=payment.pk, amount=payment.amount)[1])
        except Exception as error:  # shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [False, True]
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1
    assert Document.objects.filter(case=case, kind="payment_receipt").count() == 1
