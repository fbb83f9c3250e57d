"""Rate-limit counters live in the cache (Redis with REDIS_URL): every test starts clean."""

import pytest

from tests.caches import clear_cache
from tests.cases.conftest import clerk, drive_case, housing, matter, tax  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def two_department_case(citizen, clerk, matter):  # noqa: F811 - the shared fixtures
    """A case driven to the status asked for, of the cases' shared matter that housing and tax
    review (the clerk authorised for housing), for the compiled reads and writes."""
    return lambda status: drive_case(status, owner=citizen, clerk=clerk, matter=matter)
