"""Absolute links to a case's public pages, as notices and papers print them."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@functools.lru_cache(maxsize=16)
def _track_path(prefix: str, urlconf: str | None) -> str:
    # Every acceptance's notices and receipt print it: reversed once per script prefix.
    return reverse("cases:track")


def track_url(number: str) -> str:
    """The public tracking page, the case number filled in."""
    return f"{settings.SITE_URL}{_track_path(get_script_prefix(), get_urlconf())}?number={number}"
