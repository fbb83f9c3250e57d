"""Desk fixtures: the case fixtures of ``tests/cases`` plus signed-in clients."""

import pytest
from django.test import Client

from tests.cases import conftest as case_fixtures

# The case fixtures, shared with tests/cases (a conftest there is not seen here).
housing = case_fixtures.housing
tax = case_fixtures.tax
matter = case_fixtures.matter
instant_matter = case_fixtures.instant_matter
clerk = case_fixtures.clerk
housing_approver = case_fixtures.housing_approver
tax_approver = case_fixtures.tax_approver
make_case = case_fixtures.make_case


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploads land in a throw-away folder, not in the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk_client(clerk) -> Client:
    client = Client()
    client.force_login(clerk)
    return client
