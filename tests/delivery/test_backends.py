"""The simulated courier: deterministic waybills, a realistic progression over time."""

import datetime
import uuid

import pytest
from django.utils import timezone

from delivery.backends import (
    Order,
    SimulatedCourier,
    courier_backend,
    update_from_json,
)


def order(key=None) -> Order:
    return Order(
        idempotency_key=key or uuid.uuid4(),
        reference="2026112200001",
        receiver="李四",
        phone="13800000000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号1单元",
    )


def test_the_same_key_always_gets_the_same_waybill():
    key = uuid.uuid4()
    first, again = SimulatedCourier().order(order(key)), SimulatedCourier().order(order(key))
    assert first == again
    assert first.startswith("SIM") and len(first) == 15
    assert SimulatedCourier().order(order()) != first


def test_waybills_of_many_keys_do_not_collide():
    waybills = {SimulatedCourier.waybill_for(uuid.uuid4()) for _ in range(5000)}
    assert len(waybills) == 5000


def test_tracking_moves_along_one_step_per_interval(settings):
    settings.COURIER_SIM_STEP_SECONDS = 60
    ordered = timezone.now() - datetime.timedelta(hours=1)
    courier = SimulatedCourier()

    def at(seconds):
        return courier.track(
            "SIM1", ordered_at=ordered, now=ordered + datetime.timedelta(seconds=seconds)
        )

    assert at(59) == []
    assert [(u.status, u.note) for u in at(60)] == [("picked_up", "已揽收")]
    assert [u.note for u in at(185)] == ["已揽收", "运输中", "派送中"]
    done = at(10_000)
    assert [(u.status, u.note) for u in done] == [
        ("picked_up", "已揽收"),
        ("in_transit", "运输中"),
        ("in_transit", "派送中"),
        ("delivered", "已签收"),
    ]
    assert [u.at - ordered for u in done] == [datetime.timedelta(minutes=n) for n in (1, 2, 3, 4)]
    # Stateless and stable: asked again, the same steps with the same ids.
    assert [u.event_id for u in at(10_000)] == ["SIM1-1", "SIM1-2", "SIM1-3", "SIM1-4"]


def test_tracking_before_any_order_is_empty():
    assert SimulatedCourier().track("SIM1", ordered_at=None) == []


def test_the_backend_is_a_setting(settings):
    settings.COURIER_BACKEND = "delivery.backends.SimulatedCourier"
    assert isinstance(courier_backend(), SimulatedCourier)


def test_a_pushed_update_is_parsed_and_checked():
    update = update_from_json(
        {
            "event_id": "E1",
            "status": "delivered",
            "at": "2026-11-22T10:00:00+08:00",
            "note": "本人签收",
        }
    )
    assert update.status == "delivered"
    assert update.at.utcoffset() == datetime.timedelta(hours=8)
    with pytest.raises(ValueError):
        update_from_json({"event_id": "E1", "status": "teleported", "at": "2026-11-22T10:00"})
    with pytest.raises(ValueError):
        update_from_json({"event_id": "E1", "status": "delivered", "at": "yesterday"})
