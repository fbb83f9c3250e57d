"""Actors, clients and case builders for the case, review, tracking and idempotency APIs.

The catalog and case fixtures of ``tests/cases/conftest.py`` (a matter reviewed by housing and
tax, the clerk authorised for housing, one approver per department, ``make_case``) are
re-exported here so the API tests drive the same cases the service tests do.
"""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from cases import services
from cases.models import Case
from tests.caches import clear_cache
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import drive_case
from tests.factories import DepartmentFactory, UserFactory

# The catalog and actors of the case service tests, as fixtures here too.
housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
instant_matter = cases_conftest.instant_matter
clerk = cases_conftest.clerk
housing_approver = cases_conftest.housing_approver
tax_approver = cases_conftest.tax_approver
make_case = cases_conftest.make_case

ROLES = (
    "anonymous",
    "owner",
    "other_citizen",
    "clerk",
    "reviewing_approver",
    "other_approver",
    "supervisor",
)


@pytest.fixture(autouse=True)
def _clear_cache():
    # With REDIS_URL the cache (throttle counters) outlives a test; start and end empty.
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploads go to a directory of the test's own, never to the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_citizen(db):
    return UserFactory(citizen=True, name="周五")


@pytest.fixture
def other_approver(db):
    """An approver of a department that reviews nothing of ``matter``."""
    return UserFactory(
        approver=True, department=DepartmentFactory(code="police", name="市公安局"), name="公安审批"
    )


@pytest.fixture
def actor(request, citizen, clerk, housing_approver, supervisor):
    """``actor("owner")`` → the user playing that role (``None`` for anonymous)."""

    def get(role: str) -> User | None:
        return {
            "anonymous": None,
            "owner": citizen,
            "other_citizen": lambda: request.getfixturevalue("other_citizen"),
            "clerk": clerk,
            "reviewing_approver": housing_approver,
            "other_approver": lambda: request.getfixturevalue("other_approver"),
            "supervisor": supervisor,
        }[role]

    def resolve(role: str) -> User | None:
        user = get(role)
        return user() if callable(user) else user

    return resolve


@pytest.fixture
def client_for():
    """``client_for(user)`` → an APIClient signed in as ``user`` (anonymous for ``None``)."""

    def build(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            # A real token, so that every request loads its user afresh, as in production.
            _instance, token = AuthToken.objects.create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return build


def courier_delivery(**fields) -> services.Delivery:
    return services.Delivery(
        **{
            "method": "courier",
            "receiver": "李四",
            "phone": "13800138000",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "address": "文三路100号2幢301室",
            **fields,
        }
    )


@pytest.fixture
def build_case(citizen, clerk, matter, housing_approver, tax_approver):
    """``build_case("ready", courier=True)``: the one case builder (``drive_case``) with the
    API tests' actors; the fixtures' approvers decide."""

    def build(status: str = "draft", *, courier: bool = False, owner: User | None = None) -> Case:
        return drive_case(
            status,
            owner=owner or citizen,
            clerk=clerk,
            matter=matter,
            approvers={"housing": housing_approver, "tax": tax_approver},
            delivery=courier_delivery() if courier else None,
            opinion="意见。",
        )

    return build


def set_deadline(case: Case, days: int) -> None:
    """Move a case's deadline (test data only: lists order by it)."""
    deadline = timezone.localdate() + datetime.timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(deadline=deadline, warning_on=deadline)
