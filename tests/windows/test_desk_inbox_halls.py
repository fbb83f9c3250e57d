"""The desk's inbox per hall: the online cases awaiting intake that the clerk's hall may take
in (``halls.availability``); a bundle (一件事) when the hall may take in every matter of it; a
case that names its intake hall at that hall only. Constant queries however many halls."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case
from halls.models import HallLevel
from halls.selectors import city_centre
from matters.models import IntakeScope
from tests.cases.conftest import applicant_of, drive_case, pdf
from tests.factories import BundleFactory, HallFactory, MatterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def halls(db):
    centre = city_centre()
    district = HallFactory(code="xincheng", level=HallLevel.DISTRICT)
    town = HallFactory(code="xinjia", level=HallLevel.TOWN, parent=district)
    return centre, district, town


@pytest.fixture
def matters(halls):
    _centre, _district, town = halls
    everywhere = MatterFactory(name="全市通办事项", intake_scope=IntakeScope.ALL)
    district_up = MatterFactory(
        name="区级以上事项",
        intake_scope=IntakeScope.LEVELS,
        intake_min_level=HallLevel.DISTRICT,
    )
    named = MatterFactory(name="仅新嘉事项", intake_scope=IntakeScope.NAMED)
    named.intake_halls.set([town])
    return everywhere, district_up, named


def _submitted(citizen, clerk, *, matter=None, bundle=None) -> Case:
    if matter is not None:
        return drive_case("submitted", owner=citizen, clerk=clerk, matter=matter)
    case = services.case_create(by=citizen, bundle=bundle, applicant=applicant_of(citizen))
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)
    return case


def _inbox(hall) -> set[str]:
    client = Client()
    client.force_login(UserFactory(clerk=True, hall=hall))
    response = client.get("/desk/")
    assert response.status_code == 200
    return {item["row"].case.number for item in response.context["inbox"]}


def test_each_hall_sees_what_it_may_take_in(halls, matters, citizen, clerk):
    centre, district, town = halls
    everywhere, district_up, named = matters
    a = _submitted(citizen, clerk, matter=everywhere).number
    b = _submitted(citizen, clerk, matter=district_up).number
    c = _submitted(citizen, clerk, matter=named).number
    open_bundle = _submitted(citizen, clerk, bundle=BundleFactory(matters=[everywhere])).number
    town_bundle = _submitted(
        citizen, clerk, bundle=BundleFactory(matters=[everywhere, named])
    ).number

    assert _inbox(centre) == {a, b, open_bundle}
    assert _inbox(district) == {a, b, open_bundle}
    assert _inbox(town) == {a, c, open_bundle, town_bundle}


def test_a_case_that_names_its_intake_hall_shows_there_only(halls, matters, citizen, clerk):
    centre, district, town = halls
    everywhere = matters[0]
    case = _submitted(citizen, clerk, matter=everywhere)
    Case.objects.filter(pk=case.pk).update(hall=district)
    assert _inbox(district) == {case.number}
    assert _inbox(centre) == set() and _inbox(town) == set()


def test_the_inbox_says_whose_it_is(halls, matters, citizen, clerk):
    town = halls[2]
    client = Client()
    client.force_login(UserFactory(clerk=True, hall=town))
    assert f"{town.name}可受理的事项" in client.get("/desk/").content.decode()


def test_the_desk_inbox_has_constant_queries_with_many_halls(
    halls, matters, citizen, clerk, django_assert_max_num_queries
):
    town = halls[2]
    everywhere, _district_up, named = matters
    client = Client()
    client.force_login(UserFactory(clerk=True, hall=town))
    _submitted(citizen, clerk, matter=everywhere)
    client.get("/desk/")  # warm the per-process caches (calendar, content types)
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/")
    for n in range(30):
        named.intake_halls.add(HallFactory(code=f"town{n}"))
    for _ in range(4):
        _submitted(citizen, clerk, matter=everywhere)
        _submitted(citizen, clerk, matter=named)
    _submitted(citizen, clerk, bundle=BundleFactory(matters=[everywhere, named]))
    with django_assert_max_num_queries(len(few)):
        response = client.get("/desk/")
    assert len(response.context["inbox"]) == 10
