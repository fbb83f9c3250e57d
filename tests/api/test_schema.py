"""The OpenAPI schema generates without warnings; the docs page uses only local static."""

import re
from html.parser import HTMLParser
from urllib.parse import urlparse

from django.core.management import call_command


def test_schema_generates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn raises CommandError on any warning or error.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/departments/",
        "/api/v1/matters/",
        "/api/v1/matters/{code}/",
        "/api/v1/bundles/",
        "/api/v1/bundles/{code}/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/password/",
        "/api/v1/auth/password-reset/",
        "/api/v1/auth/password-reset/confirm/",
    ):
        assert f"  {path}:" in text


def test_schema_endpoint(db, client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi:" in response.content
    assert b"/api/v1/matters/" in response.content


class _AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])


def test_docs_page_uses_only_local_static(db, client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    collector = _AssetCollector()
    collector.feed(html)
    assert collector.urls, "the docs page loads Swagger UI from static files"
    for url in collector.urls:
        parsed = urlparse(url)
        assert parsed.netloc in ("", "testserver"), url
        # Swagger UI's start-up script comes from the docs view itself (no inline script: CSP).
        assert parsed.path.startswith("/static/") or parsed.path == "/api/docs/", url
    assert "<script>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    # No CDN anywhere in the page, inline scripts included.
    assert not re.search(r"https?://(?!testserver)[^\s\"']*(cdn|unpkg|jsdelivr)", html)
