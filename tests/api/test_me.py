"""GET /api/v1/me/ and GET /api/v1/departments/."""

import pytest
from django.contrib.auth.models import Group
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api import make_user
from tests.factories import DepartmentFactory

ME = "/api/v1/me/"
DEPARTMENTS = "/api/v1/departments/"


@pytest.fixture
def citizen(db):
    return make_user("citizen", name="李四")


@pytest.fixture
def company(db):
    return make_user("company")


@pytest.fixture
def citizen_api(citizen) -> APIClient:
    client = APIClient()
    client.force_authenticate(citizen)
    return client


def test_citizen_sees_own_identity_unmasked(citizen_api, citizen):
    response = citizen_api.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "username": citizen.username,
        "name": "李四",
        "roles": ["citizen"],
        "department": None,
        "window": None,
        "identity": {"kind": "person", "id_number": citizen.id_number, "phone": citizen.phone},
    }
    assert "*" not in citizen.id_number + citizen.phone


def test_company_sees_credit_code(api_client, company):
    api_client.force_authenticate(company)

    body = api_client.get(ME).json()

    assert body["identity"] == {
        "kind": "company",
        "credit_code": company.credit_code,
        "phone": company.phone,
    }
    assert body["name"] == "杭州示例科技有限公司"


def test_staff_with_department_and_no_identity(db, api_client):
    department = DepartmentFactory(code="sjj", name="市市场监督管理局")
    clerk = make_user("clerk", department=department, name="王窗口")
    api_client.force_authenticate(clerk)

    body = api_client.get(ME).json()

    assert body["department"] == {"code": "sjj", "name": "市市场监督管理局"}
    assert body["roles"] == ["clerk"]
    assert body["identity"] is None
    assert body["window"] is None


def test_roles_sorted_for_several_roles(db, api_client):
    user = make_user("supervisor")
    user.groups.add(Group.objects.get(name="approver"))
    api_client.force_authenticate(user)
    assert api_client.get(ME).json()["roles"] == ["approver", "supervisor"]


def test_with_token_header(api_client, citizen):
    _instance, token = AuthToken.objects.create(user=citizen)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(ME).json()["username"] == citizen.username


def test_session_sign_in_works(client, citizen):
    client.force_login(citizen)
    assert client.get(ME).json()["username"] == citizen.username


def test_anonymous_is_401_json(db, api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["detail"]


def test_bad_token_is_401_json(db, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_me_is_read_only(citizen_api, method):
    response = getattr(citizen_api, method)(ME, {})
    assert response.status_code == 405


def test_departments_plain_list_by_code_for_anyone(db, api_client):
    DepartmentFactory(code="zjj", name="市住房和城乡建设局")
    DepartmentFactory(code="gaj", name="市公安局")

    response = api_client.get(DEPARTMENTS)

    assert response.status_code == 200
    assert response.json() == [
        {"code": "gaj", "name": "市公安局"},
        {"code": "zjj", "name": "市住房和城乡建设局"},
    ]


def test_departments_signed_in_too(citizen_api):
    DepartmentFactory(code="gaj", name="市公安局")
    assert citizen_api.get(DEPARTMENTS).json() == [{"code": "gaj", "name": "市公安局"}]


def test_departments_read_only(citizen_api):
    response = citizen_api.post(DEPARTMENTS, {"code": "x", "name": "y"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
