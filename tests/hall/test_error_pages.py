"""Error pages in Chinese through the real URLconf with DEBUG off: 403, 404, 500 and a refused
CSRF check answer with the portal's own page (never Django's English "403 Forbidden" or the
debug page); the API keeps answering JSON."""

import json

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    return response.content.decode()


def _assert_no_english_or_debug(html: str) -> None:
    for english in ("Forbidden", "Not Found", "Server Error", "Traceback", "CSRF verification"):
        assert english not in html
    assert 'lang="zh-CN"' in html


def test_debug_is_off_as_in_production():
    assert settings.DEBUG is False


def test_unknown_page_gets_the_chinese_404_page():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = _page(response)
    _assert_no_english_or_debug(html)
    assert "页面不存在" in html and "错误代码 404" in html
    assert 'href="/matters/"' in html  # a way on: search the matters
    assert 'class="site-nav"' in html


def test_refused_page_gets_the_chinese_403_page_with_its_reason(citizen):
    client = Client()
    client.force_login(citizen)
    response = client.get("/desk/kiosk/")  # only hall staff register kiosks
    assert response.status_code == 403
    html = _page(response)
    _assert_no_english_or_debug(html)
    assert "您无权访问此页面" in html
    assert "只有大厅管理人员可以登记自助取号机。" in html


def test_server_error_gets_the_chinese_500_page_without_the_database(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("windows.selectors.board_snapshot", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/board/")
    assert response.status_code == 500
    html = _page(response)
    _assert_no_english_or_debug(html)
    assert "系统出现故障" in html and "错误代码 500" in html
    assert "the database went away" not in html
    assert "/static/css/site.css" in html

    api = client.get("/api/v1/board/")
    assert api.status_code == 500
    assert json.loads(api.content) == {
        "detail": "系统出现故障，请稍后再试。已提交的内容不会丢失。",
        "code": "server_error",
    }


def test_500_page_reads_nothing_from_the_database(monkeypatch, django_assert_num_queries):
    # Broken before the board reads its hall: what is counted is the error page's own reads.
    monkeypatch.setattr("windows.views_queue._queue_hall", lambda code: 1 / 0)
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        assert client.get("/board/").status_code == 500


def test_csrf_failure_gets_the_chinese_page(citizen, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": citizen.username, "password": password})
    assert response.status_code == 403
    html = _page(response)
    _assert_no_english_or_debug(html)
    assert "页面已过期，提交未成功。" in html
    assert "刷新页面后重新提交" in html


def test_csrf_failure_under_the_api_answers_json(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = client.post("/api/v1/tickets/", {"board": "x"}, content_type="application/json")
    assert response.status_code == 403
    body = json.loads(response.content)
    assert body == {"detail": "页面已过期，提交未成功。", "code": "csrf_failed"}


def test_api_404_stays_json():
    response = Client().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert json.loads(response.content)["code"] == "not_found"
