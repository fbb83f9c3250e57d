"""Rate-limit counters live in the cache (Redis with REDIS_URL): every test starts clean."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
