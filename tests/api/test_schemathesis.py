"""Schemathesis against the published OpenAPI schema: whatever a client sends that the schema
allows (and a good deal it does not), no answer is a 5xx, as a citizen or as a clerk.

Slow (a few minutes): ``pytest -m slow tests/api/test_schemathesis.py``.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.caches import clear_cache
from tests.cases import conftest as cases_conftest
from tests.factories import PASSWORD
from tests.throttles import set_rates

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
make_case = cases_conftest.make_case


def wsgi_app(environ, start_response):
    """The project's WSGI application, minus closing the database connection around each
    request (the test's transaction lives on it), as Django's test client does."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
        return [body]
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


# Loaded at collection (the schema view reads no database); fixtures run per example.
application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
# NUL bytes too (PostgreSQL refuses them in text), and input the schema does not allow.
schema.config.generation.update(allow_x00=True, modes=["positive", "negative"])


@pytest.fixture(autouse=True)
def _data(db, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Throttles would answer 429 long before the interesting inputs; they are tested apart.
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    set_rates(settings, **dict.fromkeys(rates, "1000000/minute"))
    # Some real data, so that lookups by number and code find something now and then.
    make_case("draft")
    make_case("in_review")


def token_for(user) -> str:
    clear_cache()
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def citizen_header(citizen) -> dict[str, str]:
    return {"Authorization": f"Token {token_for(citizen)}"}


@pytest.fixture
def clerk_header(clerk) -> dict[str, str]:
    return {"Authorization": f"Token {token_for(clerk)}"}


FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_no_server_error_as_a_citizen(case, citizen_header):
    case.call_and_validate(headers=citizen_header, checks=[not_a_server_error])


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_no_server_error_as_a_clerk(case, clerk_header):
    case.call_and_validate(headers=clerk_header, checks=[not_a_server_error])


@pytest.mark.slow
def test_the_fuzzing_reaches_the_api():
    paths = {result.ok().path for result in schema.get_all_operations()}

    assert "/api/v1/cases/{number}/materials/{file_id}/" in paths
    assert "/api/v1/track/{number}/" in paths
