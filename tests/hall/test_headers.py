"""Response headers: CSP and Permissions-Policy on pages, no-store on personal answers,
and staff sessions shorter than citizens'."""

import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.cases import conftest as cases_conftest
from tests.factories import PASSWORD, UserFactory

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
make_case = cases_conftest.make_case

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.fixture
def case(make_case):
    return make_case("submitted")


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "/"),
        (None, "/matters/"),
        (None, "/accounts/login/"),
        (None, "/track/"),
        (None, "/api/docs/"),
        (None, "/admin/login/"),
        ("citizen", "/my/cases/"),
        ("citizen", "case"),
        ("clerk", "/desk/"),
    ],
)
def test_every_page_carries_a_policy_without_inline_script(who, url, citizen, clerk, case):
    client = {None: Client(), "citizen": signed_in(citizen), "clerk": signed_in(clerk)}[who]
    url = f"/my/cases/{case.number}/" if url == "case" else url

    response = client.get(url)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    if url != "/api/docs/":
        assert policy["style-src"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    html = response.content.decode()
    # Every script of the page is a file the policy allows; no handler attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_error_pages_carry_the_policy_too(citizen):
    response = signed_in(citizen).get("/my/cases/20990101-00001/")

    assert response.status_code == 404
    assert directives(response)["script-src"] == ["'self'"]
    assert "页面不存在" in response.content.decode()


def test_templates_keep_scripts_and_styles_in_static_files():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "pdf":  # rendered by WeasyPrint into PDFs, never served as pages
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"<style\b", text):
            offenders.append(f"{path.name}: inline script or style element")
        if re.search(r"\sstyle=\"", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.name}: style or event-handler attribute")
    assert offenders == []


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("citizen", "/my/cases/"),
        ("citizen", "case"),
        ("citizen", "/my/licences/"),
        ("citizen", "/accounts/profile/"),
        ("clerk", "/desk/"),
        ("clerk", "desk-case"),
    ],
)
def test_personal_pages_are_never_stored(who, url, citizen, clerk, case):
    client = signed_in(citizen if who == "citizen" else clerk)
    url = {
        "case": f"/my/cases/{case.number}/",
        "desk-case": f"/desk/cases/{case.number}/",
    }.get(url, url)

    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/api/v1/me/", "case", "/api/v1/cases/", "/api/v1/notices/"])
def test_api_answers_are_never_stored(url, citizen, case):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/",
        {"username": citizen.username, "password": PASSWORD},
        format="json",
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/v1/cases/{case.number}/" if url == "case" else url

    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_public_page_for_an_anonymous_visitor_is_left_cacheable():
    response = Client().get("/matters/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_public_page_seen_signed_in_is_not_stored(citizen):
    response = signed_in(citizen).get("/matters/")

    assert "no-store" in response["Cache-Control"]


def sign_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.mark.parametrize("role", ["clerk", "approver", "supervisor"])
def test_a_staff_session_ends_after_a_working_day(role, settings):
    settings.STAFF_SESSION_AGE = 8 * 3600
    user = UserFactory(**{role: True})

    client = sign_in(user)

    assert 7 * 3600 < client.session.get_expiry_age() <= 8 * 3600


def test_a_citizen_session_lasts_two_weeks(citizen):
    client = sign_in(citizen)

    assert client.session.get_expiry_age() >= 13 * 24 * 3600


def test_a_staff_admin_sign_in_is_short_too(settings):
    settings.STAFF_SESSION_AGE = 8 * 3600
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session.get_expiry_age() <= 8 * 3600
