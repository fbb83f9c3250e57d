"""Emptying the cache between tests without touching another xdist worker's keys.

Under pytest-xdist every worker's cache keys carry the worker's name as their prefix
(tests/settings.py), so workers sharing one Redis database never see each other's throttle
counters. ``cache.clear()`` would flush the whole database, the other workers' keys too:
``clear_cache`` deletes only this worker's keys.
"""

from django.conf import settings
from django.core.cache import cache


def clear_cache() -> None:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    if not prefix or not hasattr(cache, "_cache") or not hasattr(cache._cache, "get_client"):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
