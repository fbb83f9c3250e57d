"""Supervision: the share of fees paid online (paid online ÷ paid), in the API, the page and
the download."""

import pytest
from rest_framework.test import APIClient

from payments.models import Payment
from payments.services import payment_checkout, payment_record_counter

pytestmark = pytest.mark.django_db


def test_the_share_of_fees_paid_online(fee_case, citizen, clerk, supervisor, client):
    online = Payment.objects.get(case=fee_case("in_review"))
    payment_checkout(payment=online, by=citizen)
    payment_record_counter(case=fee_case("approved"), by=clerk, receipt="NT-1")
    fee_case("in_review")  # unpaid: not counted

    api = APIClient()
    api.force_authenticate(supervisor)
    summary = api.get("/api/v1/supervision/summary/").json()
    assert summary["fees_paid"] == 2
    assert summary["fees_paid_online"] == 1
    assert summary["online_payment_share"] == 0.5

    client.force_login(supervisor)
    page = client.get("/supervision/").content.decode()
    assert 'id="sv-online-payment-share">50.0%' in page
    download = client.get("/supervision/export/fees.csv").content.decode("utf-8-sig")
    assert download.splitlines() == ["已缴费件数,网上缴费件数,网上缴费占比", "2,1,50.0%"]


def test_without_fees_the_share_is_none(supervisor, db):
    api = APIClient()
    api.force_authenticate(supervisor)
    summary = api.get("/api/v1/supervision/summary/").json()
    assert summary["fees_paid"] == 0
    assert summary["online_payment_share"] is None
