"""A matter whose household register (户口簿) can come from the data exchange (户籍信息)."""

import pytest
from stdnum.cn import ric

from matters.models import DataItem
from tests.factories import (
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
    UserFactory,
)


def id_number(sequence: str, *, birth: str = "19880512", area: str = "330402") -> str:
    """A valid ID number; the simulated exchange does not know it when ``sequence`` ends
    in 0 (the 17th character)."""
    body = f"{area}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


KNOWN = id_number("301")
UNKNOWN = id_number("120")


@pytest.fixture
def police(db):
    return DepartmentFactory(code="police", name="市公安局", short_name="公安")


@pytest.fixture
def household(police):
    return DataItem.objects.create(
        code="household",
        name="户籍信息",
        department=police,
        proves="申请人的户籍登记（户籍地址、与户主关系）",
    )


@pytest.fixture
def marriage(db):
    civil = DepartmentFactory(code="civil-affairs", name="市民政局")
    return DataItem.objects.create(
        code="marriage", name="婚姻登记信息", department=civil, proves="婚姻状况"
    )


@pytest.fixture
def card_matter(police, household, marriage):
    """社会保障卡申领: ID card (key), household register (户籍信息), marriage certificate
    (婚姻登记信息), an application form (no data item)."""
    matter = MatterFactory(
        name="社会保障卡申领", lead_department=police, reviewing_departments=[police]
    )
    matter.requirements.all().delete()
    RequirementFactory(
        matter=matter, material=MaterialTypeFactory(name="居民身份证"), key=True, order=1
    )
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(name="居民户口簿", data_item=household),
        order=2,
    )
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(name="结婚证", data_item=marriage),
        order=3,
    )
    RequirementFactory(matter=matter, material=MaterialTypeFactory(name="申请表"), order=4)
    ProcessStepFactory(matter=matter, order=2)
    return matter


@pytest.fixture
def known_citizen(db):
    return UserFactory(citizen=True, name="张伟", id_number=KNOWN)


@pytest.fixture
def unknown_citizen(db):
    return UserFactory(citizen=True, name="李娜", id_number=UNKNOWN)


@pytest.fixture
def window_clerk(db, police):
    clerk = UserFactory(clerk=True, name="王窗口")
    clerk.authorised_departments.add(police)
    return clerk
