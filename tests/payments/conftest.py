"""Fixtures of the payment tests: a matter with a fee (80 元) and cases of it."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import User
from tests.cases.conftest import clerk, drive_case, housing, make_case, matter, tax
from tests.factories import PASSWORD

__all__ = ["PASSWORD", "clerk", "housing", "make_case", "matter", "tax"]  # fixtures, used by name

FEE = Decimal("80.00")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fee_matter(matter):
    matter.fee = FEE
    matter.fee_basis = "《不动产登记收费标准》"
    matter.save(update_fields=["fee", "fee_basis"])
    return matter


@pytest.fixture
def fee_case(citizen, clerk, fee_matter):
    """``fee_case("approved")``: a fresh case of the fee matter driven to that status."""

    def build(status: str = "draft"):
        return drive_case(status, owner=citizen, clerk=clerk, matter=fee_matter)

    return build


def session_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
