"""跑多次是例外: a matter may promise two trips or more only with a published reason."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matters.guide import guide_problems
from matters.models import Matter
from matters.services import matter_publish
from tests.factories import MatterFactory

pytestmark = pytest.mark.django_db

REASON = "依据《中华人民共和国居民身份证法》，须本人到场采集指纹，领证时须本人核验。"


def test_model_validation_asks_for_the_reason():
    matter = MatterFactory(draft=True)
    matter.max_trips = 2
    with pytest.raises(ValidationError) as caught:
        matter.full_clean()
    assert "trips_exception_reason" in caught.value.message_dict
    matter.trips_exception_reason = REASON
    matter.full_clean()
    matter.max_trips = 6
    with pytest.raises(ValidationError) as caught:
        matter.full_clean()
    assert "max_trips" in caught.value.message_dict


def test_database_refuses_two_trips_without_a_reason_and_keeps_one_with():
    matter = MatterFactory(draft=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Matter.objects.filter(pk=matter.pk).update(max_trips=2)
    Matter.objects.filter(pk=matter.pk).update(max_trips=2, trips_exception_reason=REASON)
    assert Matter.objects.get(pk=matter.pk).is_trips_exception


def test_publishing_checks_ask_for_the_reason():
    matter = MatterFactory(draft=True)
    matter.max_trips = 2  # not saved: the database would refuse it
    assert any("跑多次理由" in problem for problem in guide_problems(matter))
    matter.trips_exception_reason = REASON
    assert not any("跑多次理由" in problem for problem in guide_problems(matter))


def test_guide_page_shows_the_exception_and_its_reason(client):
    matter = MatterFactory(max_trips=2, trips_exception_reason=REASON)
    matter_publish(matter=matter, by=None)
    page = client.get(f"/matters/{matter.code}/").content.decode()
    assert "最多 2 次（例外事项）" in page
    assert "跑多次理由" in page and REASON in page
    listing = client.get("/matters/").content.decode()
    assert "最多跑2次（例外）" in listing


def test_the_api_gives_the_reason_and_finds_the_exception_list(client):
    exception = MatterFactory(max_trips=2, trips_exception_reason=REASON)
    matter_publish(matter=exception, by=None)
    one_trip = MatterFactory(max_trips=1)
    matter_publish(matter=one_trip, by=None)
    detail = client.get(f"/api/v1/matters/{exception.code}/").json()
    assert (detail["max_trips"], detail["trips_exception_reason"]) == (2, REASON)
    assert client.get(f"/api/v1/matters/{one_trip.code}/").json()["trips_exception_reason"] == ""
    found = client.get("/api/v1/matters/?max_trips=2").json()
    codes = [m["code"] for m in found.get("results", found)]
    assert codes == [exception.code]
    page = client.get("/matters/?max_trips=2").content.decode()
    assert exception.name in page and one_trip.name not in page
