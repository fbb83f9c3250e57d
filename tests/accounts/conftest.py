"""Rate-limit counters live in the cache (Redis with REDIS_URL): every test starts clean."""

import pytest

from tests.caches import clear_cache


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()
