"""Courier-delivery cases: the catalog and actors of ``tests/cases/conftest.py``, driven to
``in_transit`` by the real case services (``ship_courier_case``), and a few helpers."""

import pytest

from cases import services
from cases.models import Case
from delivery.models import Shipment
from tests.caches import clear_cache
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import drive_case

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk

COURIER = {
    "receiver": "李四",
    "phone": "13800000000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "address": "文三路100号1单元",
}


def ship_courier_case(*, citizen, clerk, matter, waybill: str = "") -> Case:
    """A case delivered by courier, driven through the real services to ``in_transit``.

    Without ``waybill`` the case leaves a pending shipment whose order is a task after
    commit (in a transactional test: a real task on the broker).
    """
    return drive_case(
        "in_transit",
        owner=citizen,
        clerk=clerk,
        matter=matter,
        delivery=services.Delivery(method="courier", **COURIER),
        waybill=waybill,
    )


@pytest.fixture
def shipped_case(citizen, clerk, matter):
    """A courier case just shipped without a waybill: its shipment is pending."""
    return ship_courier_case(citizen=citizen, clerk=clerk, matter=matter)


@pytest.fixture
def shipment(shipped_case) -> Shipment:
    return Shipment.objects.get(case=shipped_case)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploads go to a directory of the test's own, never to the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _courier_defaults(settings):
    # The simulated courier, fast retries; tests that need others set their own.
    settings.COURIER_BACKEND = "delivery.backends.SimulatedCourier"
    settings.COURIER_SIM_DELAY_SECONDS = 0
    settings.COURIER_SIM_STEP_SECONDS = 60
    settings.COURIER_MAX_ATTEMPTS = 5
    settings.COURIER_RETRY_BASE_SECONDS = 30
    settings.COURIER_WEBHOOK_SECRET = "test-webhook-secret"
    settings.COURIER_WEBHOOK_TOLERANCE = 300
