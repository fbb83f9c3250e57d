"""Courier hand-over at the desk: the courier integration orders the waybill (no hand-typed
number); the desk shows it once the courier answers, and a clear error and 重新下单 when the
courier refuses. The courier is the integration's own simulated one, and the refusing test
double of tests/delivery."""

import pytest
from django.test import Client
from django.urls import reverse

from cases import services
from delivery.backends import SimulatedCourier
from delivery.models import Shipment
from delivery.tasks import request_waybill
from tests.cases.conftest import drive_case
from tests.delivery.conftest import COURIER, _courier_defaults  # noqa: F401 - autouse
from tests.factories import UserFactory

from .helpers import url

pytestmark = pytest.mark.django_db

REFUSES = "tests.delivery.test_request_waybill.Refuses"


@pytest.fixture
def ready_courier_case(citizen, clerk, matter):
    return drive_case(
        "ready",
        owner=citizen,
        clerk=clerk,
        matter=matter,
        delivery=services.Delivery(method="courier", **COURIER),
    )


def reorder_url(case) -> str:
    return reverse("delivery:shipment-reorder", args=[case.number])


def test_handing_over_orders_the_waybill_from_the_courier(clerk_client, ready_courier_case):
    case = ready_courier_case
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "交快递下单" in page
    assert 'name="waybill"' not in page  # nothing to type

    response = clerk_client.post(url("case-ship", case.number))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.waybill) == ("in_transit", "")
    shipment = Shipment.objects.get(case=case)
    assert shipment.status == "pending"
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "正在向快递公司下单" in page

    request_waybill.apply(args=(shipment.pk,))  # the worker asks the courier

    waybill = SimulatedCourier.waybill_for(shipment.idempotency_key)
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert f'id="waybill">{waybill}<' in page
    assert "正在向快递公司下单" not in page
    case.refresh_from_db()
    assert case.waybill == waybill


def test_a_refused_order_shows_the_error_and_can_be_ordered_again(
    clerk_client, ready_courier_case, settings
):
    case = ready_courier_case
    clerk_client.post(url("case-ship", case.number))
    shipment = Shipment.objects.get(case=case)
    settings.COURIER_BACKEND = REFUSES
    request_waybill.apply(args=(shipment.pk,))

    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "快递下单失败" in page
    assert "快递接口拒绝（400）：address" in page
    assert f'action="{reorder_url(case)}"' in page

    settings.COURIER_BACKEND = "delivery.backends.SimulatedCourier"
    response = clerk_client.post(reorder_url(case))
    assert response.status_code == 302 and response.url == url("case-intake", case.number)
    shipment.refresh_from_db()
    assert shipment.status == "pending"
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "快递下单失败" not in page and "正在向快递公司下单" in page

    request_waybill.apply(args=(shipment.pk,))
    shipment.refresh_from_db()
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert f'id="waybill">{shipment.waybill}<' in page


def test_ordering_again_is_for_clerks_and_failed_orders_only(
    client, clerk_client, ready_courier_case, citizen
):
    case = ready_courier_case
    clerk_client.post(url("case-ship", case.number))
    shipment = Shipment.objects.get(case=case)

    assert client.post(reorder_url(case)).status_code == 302  # to sign in
    citizen_client = Client()
    citizen_client.force_login(citizen)
    assert citizen_client.post(reorder_url(case)).status_code == 403
    approver = Client()
    approver.force_login(UserFactory(approver=True))
    assert approver.post(reorder_url(case)).status_code == 403
    assert clerk_client.get(reorder_url(case)).status_code == 405
    assert clerk_client.post(reverse("delivery:shipment-reorder", args=["X"])).status_code == 404

    # Still ordering: nothing to order again, said plainly, nothing changed.
    response = clerk_client.post(reorder_url(case), follow=True)
    assert "只有下单失败、尚无运单号的快递可以重新下单。" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "pending" and shipment.history.count() == 1


def test_only_clerks_hand_over(ready_courier_case, citizen):
    citizen_client = Client()
    citizen_client.force_login(citizen)
    assert citizen_client.post(url("case-ship", ready_courier_case.number)).status_code == 403
    ready_courier_case.refresh_from_db()
    assert ready_courier_case.status == "ready"
    assert not Shipment.objects.filter(case=ready_courier_case).exists()
