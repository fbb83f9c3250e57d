"""Sign-in is limited per client address across usernames (password spraying), on the page, the
API token endpoint and the admin alike; django-axes still locks single usernames. Sign-up's
"already registered" answer is limited per address."""

import itertools

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.identities import make_id_number, make_mobile
from tests.throttles import set_rates

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token/"
ADMIN_LOGIN_URL = "/admin/login/"
STRONG_PASSWORD = "Qiantang#River2026"

_counter = itertools.count(1)


def fresh_address() -> str:
    n = next(_counter)
    return f"198.51.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def users(db):
    return [UserFactory(citizen=True) for _ in range(4)]


def _spray(post, users, times: int):
    """One wrong password on each of ``times`` different accounts, each from a new made-up
    X-Forwarded-For (which must not matter)."""
    return [
        post(users[n % len(users)].username, "Spring2026!", HTTP_X_FORWARDED_FOR=fresh_address())
        for n in range(times)
    ]


def _page_login(client):
    def post(username, password, **extra):
        return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)

    return post


def _api_login(client):
    def post(username, password, **extra):
        return client.post(TOKEN_URL, {"username": username, "password": password}, **extra)

    return post


def test_page_spraying_is_stopped_per_address(settings, users):
    set_rates(settings, login="3/hour")
    client = Client()
    post = _page_login(client)

    assert [r.status_code for r in _spray(post, users, 3)] == [200, 200, 200]

    # Now even the right password of an account never tried is refused from this address.
    refused = post(users[3].username, PASSWORD)
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "登录尝试过于频繁" in text
    assert "_auth_user_id" not in client.session

    # The accounts themselves are not locked: from another address the owner signs in.
    other = Client(REMOTE_ADDR="10.1.1.1")
    response = other.post(LOGIN_URL, {"username": users[3].username, "password": PASSWORD})
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(users[3].pk)


def test_refused_attempts_do_not_lock_the_username(settings, users):
    set_rates(settings, login="2/hour")
    post = _page_login(Client())
    _spray(post, users, 2)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        assert post(users[3].username, PASSWORD).status_code == 429
    assert not AccessAttempt.objects.filter(username=users[3].username).exists()


def test_successful_sign_ins_do_not_count(settings, users):
    set_rates(settings, login="2/hour")
    for _ in range(4):
        client = Client()
        response = client.post(LOGIN_URL, {"username": users[0].username, "password": PASSWORD})
        assert response.status_code == 302


def test_api_spraying_is_stopped_per_address_with_json(settings, users):
    set_rates(settings, login="3/hour")
    post = _api_login(APIClient())

    assert [r.status_code for r in _spray(post, users, 3)] == [400, 400, 400]
    refused = post(users[3].username, PASSWORD)

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert refused["Retry-After"] == "3600"
    body = refused.json()
    assert body["code"] == "too_many_attempts"
    assert body["detail"]
    assert "token" not in body


def test_page_and_api_share_the_count(settings, users):
    set_rates(settings, login="2/hour")
    _spray(_page_login(Client()), users, 2)
    refused = _api_login(APIClient())(users[3].username, PASSWORD)
    assert refused.status_code == 429


def test_admin_login_is_limited_too(settings, users):
    set_rates(settings, login="2/hour")
    staff = UserFactory(is_staff=True, is_superuser=True, username="admin1")
    client = Client()
    for user in users[:2]:
        response = client.post(
            ADMIN_LOGIN_URL,
            {"username": user.username, "password": "wrong-one", "next": "/admin/"},
            HTTP_X_FORWARDED_FOR=fresh_address(),
        )
        assert response.status_code == 200
    refused = client.post(
        ADMIN_LOGIN_URL, {"username": staff.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_each_client_has_its_own_count(settings, users):
    settings.TRUSTED_PROXY_COUNT = 1
    set_rates(settings, login="2/hour")
    client = Client()  # every request from the proxy's own address, 127.0.0.1
    for user in users[:2]:
        client.post(
            LOGIN_URL,
            {"username": user.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )
    spoofed = "6.6.6.6, 203.0.113.50"
    assert (
        client.post(
            LOGIN_URL,
            {"username": users[3].username, "password": PASSWORD},
            HTTP_X_FORWARDED_FOR=spoofed,
        ).status_code
        == 429
    )
    other = Client()
    response = other.post(
        LOGIN_URL,
        {"username": users[3].username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.51",
    )
    assert response.status_code == 302


def test_axes_records_the_real_client_address(settings, users):
    settings.TRUSTED_PROXY_COUNT = 1
    Client().post(
        LOGIN_URL,
        {"username": users[0].username, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.60",
    )
    assert AccessAttempt.objects.get(username=users[0].username).ip_address == "203.0.113.60"


# Sign-up ---------------------------------------------------------------------------------


def person_data(**overrides) -> dict:
    return {
        "identity_kind": "person",
        "person_name": "王小明",
        "id_number": make_id_number(),
        "phone": make_mobile(),
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }


def test_signup_already_registered_is_limited_per_address(settings, users):
    set_rates(settings, signup="2/hour")
    client = Client()
    taken = [user.id_number for user in users]

    for id_number in taken[:2]:
        response = client.post(
            "/accounts/signup/",
            person_data(id_number=id_number),
            HTTP_X_FORWARDED_FOR=fresh_address(),
        )
        assert response.status_code == 200
        assert "已注册" in response.content.decode()

    # The third probe gets no answer about the identity at all…
    probe = client.post("/accounts/signup/", person_data(id_number=taken[2]))
    assert probe.status_code == 429
    assert "已注册" not in probe.content.decode()
    # …and neither does a fresh identity (else a success would tell the two apart).
    fresh = person_data()
    refused = client.post("/accounts/signup/", fresh)
    assert refused.status_code == 429
    assert not User.objects.filter(id_number=fresh["id_number"]).exists()

    # Another address signs up as usual.
    other = Client(REMOTE_ADDR="10.2.2.2")
    assert other.post("/accounts/signup/", person_data()).status_code == 302


def test_signup_successes_and_form_errors_do_not_count(settings):
    set_rates(settings, signup="1/hour")
    for _ in range(3):
        client = Client()
        assert client.post("/accounts/signup/", person_data()).status_code == 302
    bad = Client().post("/accounts/signup/", person_data(id_number="123"))
    assert bad.status_code == 200
    assert Client().post("/accounts/signup/", person_data()).status_code == 302
