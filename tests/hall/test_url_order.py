"""The API's URLs come first in the URLconf (hall/urls.py): no portal URL may be shadowed."""

from django.urls import URLResolver, get_resolver, resolve


def _portal_patterns(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "api/v1/":
                yield from _portal_patterns(pattern.url_patterns, route)
        else:
            yield route


def test_no_portal_url_can_fall_under_the_api():
    routes = list(_portal_patterns(get_resolver().url_patterns))
    assert len(routes) > 100
    # A route that begins with a converter or a regex could match a path under api/v1/.
    assert [r for r in routes if r.startswith(("<", "^", "(", "api/v1/"))] == []


def test_an_api_command_and_a_portal_page_resolve_to_their_views():
    assert resolve("/api/v1/cases/20261207-00001/accept/").url_name == "case-accept"
    assert resolve("/cases/20261207-00001/documents/receipt.pdf").url_name == "document-download"
