"""Sign-in with what the sign-in page asks for: the ID number (persons) or the credit code
(companies), whatever the account's user name is; staff keep their user names. Switching
between user name and ID number does not buy extra tries before the lockout."""

import pytest
from django.urls import reverse

from accounts import roles
from tests.factories import PASSWORD, UserFactory
from tests.identities import make_credit_code, make_id_number

LOGIN_URL = reverse("accounts:login")
TOKEN_URL = "/api/v1/auth/token/"


def signed_in(client) -> int | None:
    return client.session.get("_auth_user_id")


@pytest.fixture
def demo_citizen(db):
    """Like the demo's citizen1: a user name that is not the ID number."""
    return UserFactory(
        username="citizen1",
        identity_kind="person",
        id_number=make_id_number(),
        initial_roles=(roles.CITIZEN,),
    )


def test_a_citizen_signs_in_with_the_id_number_the_page_asks_for(client, demo_citizen):
    response = client.post(
        LOGIN_URL, {"username": demo_citizen.id_number.lower(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert str(signed_in(client)) == str(demo_citizen.pk)


def test_a_company_signs_in_with_its_credit_code(client, db):
    company = UserFactory(
        username="company1", identity_kind="company", credit_code=make_credit_code()
    )

    response = client.post(LOGIN_URL, {"username": company.credit_code, "password": PASSWORD})

    assert response.status_code == 302
    assert str(signed_in(client)) == str(company.pk)


def test_the_user_name_still_signs_in(client, demo_citizen):
    response = client.post(LOGIN_URL, {"username": "citizen1", "password": PASSWORD})

    assert response.status_code == 302


def test_the_api_gives_a_token_for_the_id_number(api_client, demo_citizen):
    response = api_client.post(
        TOKEN_URL, {"username": demo_citizen.id_number, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_a_wrong_password_with_the_id_number_is_refused(client, demo_citizen):
    response = client.post(LOGIN_URL, {"username": demo_citizen.id_number, "password": "nope"})

    assert response.status_code == 200
    assert signed_in(client) is None


def test_user_name_and_id_number_share_one_lockout(client, demo_citizen):
    for login in ("citizen1", demo_citizen.id_number) * 2 + ("citizen1",):
        client.post(LOGIN_URL, {"username": login, "password": "wrong"})

    response = client.post(LOGIN_URL, {"username": demo_citizen.id_number, "password": PASSWORD})

    assert response.status_code in (403, 429)
    assert signed_in(client) is None
