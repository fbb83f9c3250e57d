import pytest

from halls.models import HallLevel
from helpers.demo import seed_home_visits
from helpers.models import HomeVisit
from tests.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_request_waits_at_the_village_point_once():
    hall = HallFactory(code="hehua", level=HallLevel.VILLAGE)
    citizen1 = UserFactory(citizen=True, username="citizen1")

    assert (seed_home_visits(), seed_home_visits()) == (1, 0)
    visit = HomeVisit.objects.get()
    assert (visit.hall, visit.requested_by, visit.status) == (hall, citizen1, "requested")
