"""Bad input gets an answer (400/404/413), never a 500: NUL bytes, deep JSON, big bodies."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _client(user=None, *, api: bool = False) -> Client:
    client = APIClient() if api else Client()
    if user is not None:
        client.force_login(user)
    return client


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/track/%00/?id_last4=1234",
        "/api/v1/track/20260101-00001/?id_last4=12%0034",
        "/api/v1/licences/verify/%00/",
        "/api/v1/matters/?search=%00",
        "/api/v1/matters/%00/",
        "/api/v1/cases/?status=%00",
        "/api/v1/cases/%00/",
        "/api/v1/reviews/?status=%00",
        "/api/v1/notices/?x%00=1",
    ],
)
def test_nul_bytes_in_api_paths_and_queries_get_a_json_400(url, citizen):
    response = _client(citizen, api=True).get(url)

    assert response.status_code == 400
    assert _json(response)["code"] == "invalid_characters"


@pytest.mark.parametrize(
    "url",
    [
        "/verify/%00/",
        "/track/?number=%00&id_last4=%00",
        "/matters/?q=%00",
        "/matters/%00/",
        "/my/cases/%00/",
        "/my/cases/?page=%00",
        "/cases/%00/files/1/",
        "/desk/cases/%00/",
        "/kiosk/tickets/%00/",
    ],
)
def test_nul_bytes_in_page_urls_get_a_page_not_a_500(url, citizen):
    response = _client(citizen).get(url)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "网址中含有不允许的字符" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_is_refused_not_a_500(citizen):
    client = Client(enforce_csrf_checks=False)
    response = client.post("/accounts/login/", {"username": "a\x00b", "password": "x"})

    assert response.status_code in (200, 400)


def test_deeply_nested_json_is_a_json_400(citizen):
    response = _client(citizen, api=True).post(
        "/api/v1/cases/", data="[" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert _json(response)["code"] == "parse_error"


def test_deeply_nested_json_to_a_public_endpoint_is_a_json_400():
    response = APIClient().post(
        "/api/v1/auth/token/", data='{"a":' * 50_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert _json(response)["code"] == "parse_error"


def test_a_json_body_over_the_limit_is_a_json_400_with_a_code(citizen, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"matter": "x" * 4096})

    response = _client(citizen, api=True).post(
        "/api/v1/cases/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert _json(response)["code"] == "request_too_large"


def test_a_json_body_over_the_limit_without_a_session_is_a_json_400(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = APIClient().post(
        "/api/v1/auth/token/",
        data=json.dumps({"username": "x" * 4096, "password": "y"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert _json(response)["code"] == "request_too_large"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Token abc\x00def"},
        {"HTTP_COOKIE": "sessionid=abcdefgh\x00ijkl"},
    ],
)
def test_nul_bytes_in_credentials_are_a_400_not_a_500(headers):
    response = APIClient().get("/api/v1/me/", **headers)

    assert response.status_code == 400
    assert _json(response)["code"] == "invalid_characters"


def test_an_unknown_api_path_is_a_json_404():
    response = APIClient().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert _json(response) == {"detail": "页面不存在，或您无权查看。", "code": "not_found"}


def test_an_unknown_page_is_a_page_in_chinese():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "kind"), [("/api/v1/cases/", "application/json"), ("/my/cases/", "text/html")]
)
def test_a_server_error_answers_in_the_callers_shape_without_the_database(path, kind):
    from django.test import RequestFactory

    from hall.errors import server_error

    response = server_error(RequestFactory().get(path))

    assert response.status_code == 500
    assert response["Content-Type"].startswith(kind)
    assert "系统出现故障" in response.content.decode()
