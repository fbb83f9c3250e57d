"""Shipments in the admin: the list shows failures and masks the phone; re-order acts."""

import pytest
from django.urls import reverse

from delivery import services
from delivery.exceptions import PermanentCourierError
from delivery.models import Shipment
from delivery.tasks import request_waybill

pytestmark = pytest.mark.django_db

LIST = reverse("admin:delivery_shipment_changelist")


class Refuses:
    def order(self, order):
        raise PermanentCourierError("快递接口拒绝（400）：地址无法派送")


@pytest.fixture
def failed(shipment, settings) -> Shipment:
    settings.COURIER_BACKEND = "tests.delivery.test_admin.Refuses"
    services.shipment_request_waybill(shipment_id=shipment.pk)
    settings.COURIER_BACKEND = "delivery.backends.SimulatedCourier"
    return Shipment.objects.get(pk=shipment.pk)


def test_the_list_shows_the_failure_and_masks_the_phone(admin_client, failed):
    html = admin_client.get(LIST).content.decode()

    assert failed.case.number in html
    assert "地址无法派送" in html
    assert "138****0000" in html
    assert "13800000000" not in html


def test_the_detail_page_shows_tries_and_history(admin_client, failed):
    page = admin_client.get(reverse("admin:delivery_shipment_change", args=[failed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "下单尝试" in html and "快递轨迹" in html
    assert "13800000000" not in html


def test_the_reorder_action_orders_again(admin_client, failed, monkeypatch):
    enqueued = []
    monkeypatch.setattr(request_waybill, "delay", enqueued.append)
    response = admin_client.post(
        LIST, {"action": "reorder", "_selected_action": [failed.pk]}, follow=True
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert "已重新下单：1 件" in response.content.decode()
    # (on_commit does not run inside the test's transaction; the service tests cover it.)
    assert enqueued == []


def test_the_reorder_action_leaves_others_alone(admin_client, shipment):
    response = admin_client.post(
        LIST, {"action": "reorder", "_selected_action": [shipment.pk]}, follow=True
    )
    assert "1 件未重新下单" in response.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).status == "pending"
