"""Shared actors and clients."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from .caches import clear_cache
from .factories import PASSWORD, UserFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def citizen(db):
    return UserFactory(citizen=True, name="李四")


@pytest.fixture
def company(db):
    return UserFactory(company=True)


@pytest.fixture
def clerk(db):
    return UserFactory(clerk=True, name="王窗口")


@pytest.fixture
def approver(db):
    return UserFactory(approver=True, name="赵审批")


@pytest.fixture
def supervisor(db):
    return UserFactory(supervisor=True, name="钱监察")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def citizen_api(citizen) -> APIClient:
    client = APIClient()
    client.force_authenticate(citizen)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing at full strength costs ~0.3 s per user; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in Redis, outside the test's transaction: without this, the
    # kiosk tests of one worker add up to the per-address ticket rate within a minute.
    clear_cache()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # The locale middleware leaves the language of a request active in the thread (the test
    # client runs in the test's thread): after an English request, the next test starts in
    # Chinese again, as a fresh worker process would.
    yield
    translation.deactivate()


@pytest.fixture
def parsed(monkeypatch):
    """What ``documents.pdf.parse_paper`` made of each markup it was given (None: left to
    WeasyPrint's HTML5 parser)."""
    from documents import pdf

    trees = []
    real = pdf.parse_paper

    def recording(markup):
        trees.append(real(markup))
        return trees[-1]

    monkeypatch.setattr(pdf, "parse_paper", recording)
    return trees


@pytest.fixture
def html5_parser(monkeypatch):
    """``use()``: papers rendered from then on are parsed by WeasyPrint's HTML5 parser alone."""
    from documents import pdf

    def use():
        monkeypatch.setattr(pdf, "parse_paper", lambda markup: None)

    return use
