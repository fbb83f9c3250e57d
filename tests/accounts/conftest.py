"""Rate-limit counters live in the cache (Redis with REDIS_URL): every test starts clean."""

import pytest

from tests.caches import clear_cache
from tests.cases.conftest import drive_case
from tests.factories import (
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def two_department_case(citizen):
    """A case driven to the status asked for, of a matter that housing and tax review (the
    clerk authorised for housing), for the compiled reads and writes."""

    def driven(status: str):
        housing = DepartmentFactory(code="housing", name="市住房和城乡建设局")
        tax = DepartmentFactory(code="tax", name="市税务局")
        matter = MatterFactory(
            lead_department=housing, reviewing_departments=[housing, tax], with_guide=False
        )
        ProcessStepFactory(matter=matter, order=1)
        RequirementFactory(matter=matter, material=MaterialTypeFactory(name="居民身份证"), order=1)
        clerk = UserFactory(clerk=True)
        clerk.authorised_departments.add(housing)
        return drive_case(status, owner=citizen, clerk=clerk, matter=matter)

    return driven
