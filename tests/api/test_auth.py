"""POST /api/v1/auth/token/: token for good credentials, JSON errors, lockout (django-axes);
tokens expire and are revoked by sign-out (POST /api/v1/auth/logout/)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api import make_user
from tests.factories import UserFactory

URL = "/api/v1/auth/token/"


@pytest.fixture
def citizen(db):
    return make_user("citizen", name="李四")


@pytest.fixture
def company(db):
    return make_user("company")


def test_url_name():
    assert reverse("api:auth-token") == URL


def test_token_for_good_credentials_and_usable(db, api_client, citizen, password):
    response = api_client.post(URL, {"username": citizen.username, "password": password})

    assert response.status_code == 200
    token = response.json()["token"]
    assert AuthToken.objects.filter(user=citizen).count() == 1
    # Only a digest is stored, never the token itself.
    assert not AuthToken.objects.filter(digest=token).exists()

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == citizen.username


def test_each_sign_in_gets_its_own_token_and_both_work(db, api_client, citizen, password):
    first = api_client.post(URL, {"username": citizen.username, "password": password}).json()
    second = api_client.post(URL, {"username": citizen.username, "password": password}).json()
    assert first["token"] != second["token"]
    for token in (first["token"], second["token"]):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/me/").status_code == 200


def test_json_body_accepted(db, api_client, citizen, password):
    response = api_client.post(
        URL, {"username": citizen.username, "password": password}, format="json"
    )
    assert response.status_code == 200


def test_wrong_password_is_400_json(db, api_client, citizen):
    response = api_client.post(URL, {"username": citizen.username, "password": "wrong-one"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["detail"] == "用户名或密码不正确。"
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_unknown_user_is_the_same_400(db, api_client):
    response = api_client.post(URL, {"username": "nobody", "password": "whatever1"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_inactive_user_gets_no_token(db, api_client, password):
    user = UserFactory(is_active=False)
    response = api_client.post(URL, {"username": user.username, "password": password})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_missing_fields_are_field_errors(db, api_client):
    response = api_client.post(URL, {"username": ""}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"username", "password", "detail", "code"}
    assert body["code"] == "invalid"


def test_no_csrf_needed_for_the_token(db, citizen, password):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(URL, {"username": citizen.username, "password": password})
    assert response.status_code == 200


def _fail(client, username, times):
    return [client.post(URL, {"username": username, "password": "wrong-one"}) for _ in range(times)]


def test_locked_out_after_five_failures_with_json(db, api_client, citizen, password, settings):
    assert settings.AXES_FAILURE_LIMIT == 5

    responses = _fail(api_client, citizen.username, 5)

    assert [r.status_code for r in responses[:4]] == [400] * 4
    locked = responses[4]
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert locked.json()["code"] == "locked_out"
    assert "锁定" in locked.json()["detail"]
    assert locked["Retry-After"] == str(15 * 60)

    # The right password does not get in while the lock holds.
    again = api_client.post(URL, {"username": citizen.username, "password": password})
    assert again.status_code == 429
    assert again.json() == {"detail": locked.json()["detail"], "code": "locked_out"}
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_lockout_is_per_username(db, api_client, citizen, company, password):
    _fail(api_client, citizen.username, 5)

    response = api_client.post(URL, {"username": company.username, "password": password})
    assert response.status_code == 200


def test_success_resets_the_failures(db, api_client, citizen, password):
    _fail(api_client, citizen.username, 4)
    assert AccessAttempt.objects.filter(username=citizen.username).exists()

    ok = api_client.post(URL, {"username": citizen.username, "password": password})
    assert ok.status_code == 200
    assert not AccessAttempt.objects.filter(username=citizen.username).exists()

    # Four more failures are allowed again before the fifth locks.
    assert [r.status_code for r in _fail(api_client, citizen.username, 4)] == [400] * 4


def test_success_sets_last_login(db, api_client, citizen, password):
    assert citizen.last_login is None
    api_client.post(URL, {"username": citizen.username, "password": password})
    citizen.refresh_from_db()
    assert citizen.last_login is not None


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post(db, api_client, method):
    response = getattr(api_client, method)(URL)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
