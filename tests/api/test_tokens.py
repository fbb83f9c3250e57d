"""API tokens expire, are revoked by sign-out (POST /api/v1/auth/logout/) and by a password
change (POST /api/v1/auth/password/), which revokes every token of the user."""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api import make_user
from tests.factories import PASSWORD
from tests.throttles import set_rates

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
PASSWORD_URL = "/api/v1/auth/password/"
ME = "/api/v1/me/"
NEW_PASSWORD = "Xixi#Wetland2027"


@pytest.fixture
def citizen(db):
    return make_user("citizen", name="李四")


def sign_in(user, password: str = PASSWORD) -> APIClient:
    """A client holding a fresh token of ``user`` from the token endpoint."""
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": user.username, "password": password})
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


# Expiry ----------------------------------------------------------------------------------


def test_a_token_expires_after_the_set_days(citizen, settings):
    assert settings.API_TOKEN_DAYS == 30
    client = sign_in(citizen)
    token = AuthToken.objects.get(user=citizen)
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs((token.expiry - expected).total_seconds()) < 60

    assert client.get(ME).status_code == 200
    AuthToken.objects.filter(pk=token.pk).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_a_new_sign_in_after_expiry_gets_a_working_token(citizen):
    sign_in(citizen)
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(days=1))
    assert sign_in(citizen).get(ME).status_code == 200


# Sign-out --------------------------------------------------------------------------------


def test_logout_revokes_the_callers_token_only(citizen):
    phone_app = sign_in(citizen)
    tablet_app = sign_in(citizen)

    response = phone_app.post(LOGOUT_URL)

    assert response.status_code == 204
    assert phone_app.get(ME).status_code == 401
    assert tablet_app.get(ME).status_code == 200
    assert AuthToken.objects.filter(user=citizen).count() == 1


def test_logout_twice_is_401(citizen):
    client = sign_in(citizen)
    client.post(LOGOUT_URL)
    again = client.post(LOGOUT_URL)
    assert again.status_code == 401
    assert again.json()["code"] == "authentication_failed"


def test_logout_anonymous_is_401(api_client):
    response = api_client.post(LOGOUT_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_logout_does_not_touch_other_users(citizen):
    other = make_user("citizen")
    other_client = sign_in(other)
    sign_in(citizen).post(LOGOUT_URL)
    assert other_client.get(ME).status_code == 200


def test_logout_with_a_session_ends_the_session(client, citizen):
    client.force_login(citizen)
    assert client.post(LOGOUT_URL).status_code == 204
    assert client.get(ME).status_code == 401


def test_logout_only_post(citizen):
    assert sign_in(citizen).get(LOGOUT_URL).status_code == 405


# Password change -------------------------------------------------------------------------


def test_password_change_revokes_every_token(citizen):
    first, second = sign_in(citizen), sign_in(citizen)

    response = first.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204
    assert first.get(ME).status_code == 401
    assert second.get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=citizen).exists()
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    # The new password signs in; the old one no longer does.
    assert sign_in(citizen, NEW_PASSWORD).get(ME).status_code == 200
    old = APIClient().post(TOKEN_URL, {"username": citizen.username, "password": PASSWORD})
    assert old.status_code == 400


def test_wrong_old_password_is_400_and_changes_nothing(citizen):
    client = sign_in(citizen)
    response = client.post(
        PASSWORD_URL, {"old_password": "not-it", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "wrong_password"
    assert body["old_password"] == ["原密码不正确。"]
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert client.get(ME).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "fragment"),
    [("short1!", "太短"), ("12345678901", "全部是数字"), ("password123", "太常见")],
)
def test_weak_new_password_is_400_with_the_reasons(citizen, new_password, fragment):
    client = sign_in(citizen)
    response = client.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": new_password}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "weak_password"
    assert any(fragment in message for message in body["new_password"])
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert client.get(ME).status_code == 200


def test_same_password_again_is_refused(citizen):
    response = sign_in(citizen).post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"


def test_missing_fields_are_field_errors(citizen):
    response = sign_in(citizen).post(PASSWORD_URL, {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"old_password", "new_password"} <= set(body)


def test_password_change_anonymous_is_401(api_client):
    response = api_client.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 401


def test_password_change_by_session_keeps_the_browser_signed_in(citizen):
    from django.test import Client

    browser = Client(enforce_csrf_checks=False)
    browser.force_login(citizen)
    other_browser = Client()
    other_browser.force_login(citizen)
    app = sign_in(citizen)

    response = browser.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 204
    assert browser.get(ME).status_code == 200
    assert other_browser.get(ME).status_code == 401
    assert app.get(ME).status_code == 401


def test_wrong_old_passwords_are_throttled(citizen, settings):
    set_rates(settings, password_change="2/hour")
    client = sign_in(citizen)
    codes = [
        client.post(
            PASSWORD_URL, {"old_password": f"guess{n}", "new_password": NEW_PASSWORD}
        ).status_code
        for n in range(3)
    ]
    assert codes == [400, 400, 429]


def test_a_deactivated_users_token_stops_working(citizen):
    client = sign_in(citizen)
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 401


def test_a_forged_token_of_the_right_shape_is_401(citizen):
    sign_in(citizen)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "a" * 64)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_views_without_a_scope_are_not_throttled(api_client, settings):
    set_rates(settings, track="1/minute")
    codes = {api_client.get("/api/v1/departments/").status_code for _ in range(5)}
    assert codes == {200}


def test_expired_tokens_and_spent_codes_are_purged(citizen):
    from accounts.models import PasswordResetCode
    from accounts.services_auth import password_reset_request
    from accounts.tasks import purge_expired_credentials

    sign_in(citizen)
    live = sign_in(citizen)
    old_token = AuthToken.objects.order_by("created").first()
    AuthToken.objects.filter(pk=old_token.pk).update(expiry=timezone.now() - datetime.timedelta(1))
    password_reset_request(identifier=citizen.username)
    password_reset_request(identifier=citizen.username)
    spent, recent = PasswordResetCode.objects.order_by("id")
    PasswordResetCode.objects.filter(pk=spent.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=2)
    )

    assert purge_expired_credentials() == 2
    assert purge_expired_credentials() == 0

    assert live.get(ME).status_code == 200
    assert list(PasswordResetCode.objects.all()) == [recent]


def test_a_password_set_in_the_admin_voids_the_users_tokens(citizen):
    from django.test import Client

    app = sign_in(citizen)
    admin = Client()
    admin.force_login(make_user("clerk", is_superuser=True))

    response = admin.post(
        f"/admin/accounts/user/{citizen.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert app.get(ME).status_code == 401
    # A token issued after the change works.
    assert sign_in(citizen, NEW_PASSWORD).get(ME).status_code == 200


def test_a_password_set_anywhere_else_voids_the_tokens_too(citizen):
    app = sign_in(citizen)
    citizen.set_password(NEW_PASSWORD)
    citizen.save()
    response = app.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_other_saves_of_the_user_keep_the_tokens(citizen):
    app = sign_in(citizen)
    citizen.name = "李四四"
    citizen.save()
    assert app.get(ME).status_code == 200
