"""网上缴费: the reconciliation through a real Celery worker process, real Redis, real
PostgreSQL and a real HTTP payment platform (a stub server on 127.0.0.1 in this process).

The payer is sent to the platform and pays there, but the platform's callback never comes:
the periodic reconciliation, run by the worker, asks the platform about the order still open
and marks the payment paid, once, however many times it runs.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent
from documents.models import Document
from payments.models import Payment
from payments.services import payment_checkout
from payments.tasks import reconcile_payments
from tests.cases.conftest import clerk, drive_case, housing, matter, tax
from tests.payments.fake_gateway import FakeGateway, gateway_settings

from .conftest import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

__all__ = ["clerk", "housing", "matter", "tax"]  # fixtures, used by name


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_worker_reconciles_a_payment_paid_at_the_platform_once(
    celery_worker_process, settings, citizen, clerk, matter
):
    matter.fee = Decimal("80.00")
    matter.save(update_fields=["fee"])
    with FakeGateway() as platform:
        config = gateway_settings(platform.url, RECONCILE_AFTER_MINUTES=10)
        settings.PAYMENT_GATEWAY = config
        worker = celery_worker_process.start(settings={"PAYMENT_GATEWAY": config})

        case = drive_case("in_review", owner=citizen, clerk=clerk, matter=matter)
        payment = payment_checkout(payment=Payment.objects.get(case=case), by=citizen)
        assert payment.status == "unpaid" and payment.order_id
        # The payer paid on the platform's page a while ago; no callback came.
        platform.pay(payment.order_id)
        Payment.objects.filter(pk=payment.pk).update(
            ordered_at=timezone.now() - datetime.timedelta(minutes=15)
        )

        reconcile_payments.delay()
        wait_until(
            lambda: Payment.objects.get(pk=payment.pk).status == "paid",
            timeout=60,
            what="the reconciliation to mark the payment paid",
        )
        reconcile_payments.delay()  # again: nothing left open, nothing changes
        wait_until(
            lambda: len(re.findall(r"reconcile_payments\[\S+\] succeeded", worker.output())) == 2,
            timeout=60,
            what="both reconciliations",
        )

        assert platform.queries == [payment.order_id]  # asked once: then it was paid
    payment.refresh_from_db()
    assert payment.method == "online"
    assert Case.objects.get(pk=case.pk).fee_outstanding is False
    assert CaseEvent.objects.filter(case=case, action="payment_paid").count() == 1
    assert Document.objects.filter(case=case, kind="payment_receipt").count() == 1
