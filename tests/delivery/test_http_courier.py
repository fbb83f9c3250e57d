"""The HTTP courier backend against a courier on 127.0.0.1: errors sorted, retries, once."""

import socket

import pytest

from delivery import services
from delivery.backends import HttpCourier, Order
from delivery.exceptions import PermanentCourierError, TransientCourierError
from delivery.models import Shipment
from delivery.tasks import request_waybill

from .fake_courier import KEY, FakeCourier

pytestmark = pytest.mark.django_db


@pytest.fixture
def http_courier(settings):
    def configure(courier: FakeCourier) -> FakeCourier:
        settings.COURIER_BACKEND = "delivery.backends.HttpCourier"
        settings.COURIER_URL = courier.url
        settings.COURIER_KEY = KEY
        settings.COURIER_TIMEOUT = 2
        return courier

    return configure


def run_task(shipment_id: int):
    """The task in-process; its retries then run at once, nested, and return."""
    conf = request_waybill.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        return request_waybill.apply(args=(shipment_id,))
    finally:
        conf.task_eager_propagates = propagates


def test_500_twice_then_200_gives_one_waybill_and_records_the_retries(http_courier, shipment):
    with FakeCourier(fail_first=2, fail_status=500) as courier:
        http_courier(courier)
        run_task(shipment.pk)
        run_task(shipment.pk)  # a late duplicate of the task: nothing more

    shipment.refresh_from_db()
    key = str(shipment.idempotency_key)
    assert shipment.waybill == courier.waybill_for(key)
    assert shipment.status == "requested"
    assert shipment.attempts == 3
    assert [(t.ok, "500" in t.error) for t in shipment.tries.all()] == [
        (False, True),
        (False, True),
        (True, False),
    ]
    # The courier saw three orders, all with the shipment's one key, and its full address.
    assert [(o["key"], o["status"]) for o in courier.orders] == [
        (key, 500),
        (key, 500),
        (key, 200),
    ]
    assert courier.orders[0]["body"]["address"] == "文三路100号1单元"
    assert courier.orders[0]["body"]["reference"] == shipment.case.number
    assert Shipment.objects.filter(waybill=shipment.waybill).count() == 1


def test_a_4xx_is_permanent_and_fails_the_shipment(http_courier, shipment):
    with FakeCourier(fail_first=1, fail_status=422) as courier:
        http_courier(courier)
        services.shipment_request_waybill(shipment_id=shipment.pk)

    shipment.refresh_from_db()
    assert shipment.status == "failed"
    assert "422" in shipment.last_error
    assert len(courier.orders) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_5xx_and_429_are_transient(http_courier, status):
    with FakeCourier(fail_first=1, fail_status=status) as courier:
        http_courier(courier)
        with pytest.raises(TransientCourierError):
            HttpCourier().order(order())


def test_a_wrong_key_is_permanent(http_courier, settings):
    with FakeCourier() as courier:
        http_courier(courier)
        settings.COURIER_KEY = "wrong"
        with pytest.raises(PermanentCourierError):
            HttpCourier().order(order())


def test_a_timeout_is_transient(http_courier, settings):
    with FakeCourier(delay=1.5) as courier:
        http_courier(courier)
        settings.COURIER_TIMEOUT = 0.3
        with pytest.raises(TransientCourierError):
            HttpCourier().order(order())


def test_a_refused_connection_is_transient(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COURIER_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(TransientCourierError):
        HttpCourier().order(order())


def test_polling_reads_the_couriers_tracking(http_courier, shipment):
    with FakeCourier() as courier:
        http_courier(courier)
        services.shipment_request_waybill(shipment_id=shipment.pk)
        shipment.refresh_from_db()
        courier.tracking[shipment.waybill] = [
            {"event_id": "T1", "status": "picked_up", "at": "2026-11-22T09:00:00+08:00"},
            {
                "event_id": "T2",
                "status": "delivered",
                "at": "2026-11-23T15:00:00+08:00",
                "note": "本人签收",
            },
        ]
        assert services.shipment_poll(shipment_id=shipment.pk) == 2

    assert courier.tracking_calls == [shipment.waybill]
    assert Shipment.objects.get(pk=shipment.pk).status == "delivered"


def order() -> Order:
    import uuid

    return Order(
        idempotency_key=uuid.uuid4(),
        reference="2026112200001",
        receiver="李四",
        phone="13800000000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号1单元",
    )
