"""Actors of the helpers' tests: a village point with two helpers, a resident who asks, the
city centre's clerk and the matter of the cases' tests (taken in everywhere)."""

from contextlib import contextmanager

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases import services
from cases.models import Case
from halls.models import HallLevel
from tests.cases.conftest import clerk, housing, matter, pdf, tax  # noqa: F401 - shared fixtures
from tests.factories import HallFactory, UserFactory


@pytest.fixture
def village(db):
    return HallFactory(
        code="hehua",
        name="荷花村代办点",
        level=HallLevel.VILLAGE,
        phone="0571-23456",
        has_windows=False,
        has_queue=False,
    )


@pytest.fixture
def other_village(db):
    return HallFactory(
        code="zhulin",
        name="竹林社区代办点",
        level=HallLevel.VILLAGE,
        has_windows=False,
        has_queue=False,
    )


@pytest.fixture
def helper(village):
    return UserFactory(helper=True, name="周敏", hall=village, username="helper1")


@pytest.fixture
def other_helper(village):
    return UserFactory(helper=True, name="吴强", hall=village, username="helper2")


@pytest.fixture
def resident(db):
    return UserFactory(citizen=True, name="王阿婆", username="resident")


@pytest.fixture
def neighbour(db):
    return UserFactory(citizen=True, name="李四", username="neighbour")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def applicant_data(person) -> dict:
    return {
        "kind": "person",
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
    }


def file_for(helper, resident, for_matter):
    """The helper files for the resident through the API; the case."""
    answer = client_for(helper).post(
        "/api/v1/cases/",
        {"matter": for_matter.code, "applicant": applicant_data(resident)},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    return Case.objects.get(number=answer.json()["number"])


def upload_required(case, by):
    """Every material needed at submission, uploaded by ``by``."""
    for material in case.materials.all():
        if material.required:
            services.material_upload(
                case=case, by=by, requirement_id=material.requirement_id, upload=pdf()
            )


@contextmanager
def counted_queries():
    """``{"n": …}``: the statements run inside (not read off the connection's query log,
    which a long test session fills up)."""
    counter = {"n": 0}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


__all__ = ["applicant_data", "client_for", "counted_queries", "file_for", "upload_required"]
