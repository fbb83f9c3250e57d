"""The service network: the halls' API and pages, opening hours, the city centre default."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from halls.hours import describe_days, describe_hours
from halls.models import Hall, HallLevel
from halls.selectors import city_centre
from tests.factories import BoardFactory, HallFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DUTY = [
    {"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "17:00", "note": ""},
    {"days": [1, 2, 3, 4, 5], "open": "17:00", "close": "19:30", "note": "延时服务"},
    {"days": [6, 7], "open": "09:00", "close": "16:00", "note": "周末值班"},
]


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    # 2026-12-07 is a Monday.
    return datetime.datetime(2026, 12, 6 + day, hour, minute, tzinfo=SHANGHAI)


def test_opening_hours_cover_evening_service_and_weekend_duty():
    hall = HallFactory(hours=DUTY)
    assert hall.open_at(at(1, 8, 30))
    assert not hall.open_at(at(1, 8, 29))
    assert hall.open_at(at(3, 19, 0))  # 延时服务 on a Wednesday evening
    assert not hall.open_at(at(3, 19, 30))
    assert hall.open_at(at(6, 10, 0))  # Saturday duty
    assert not hall.open_at(at(7, 16, 0))
    # A village point with office hours only is closed at the weekend.
    assert not HallFactory(
        hours=[{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "17:00"}]
    ).open_at(at(6, 10, 0))


def test_hours_read_as_people_say_them():
    assert describe_days([1, 2, 3, 4, 5]) == "周一至周五"
    assert describe_days([6, 7]) == "周六、周日"
    assert describe_days([1, 3]) == "周一、周三"
    assert describe_hours(DUTY)[1] == "周一至周五 17:00–19:30（延时服务）"


def test_hours_are_written_in_the_language_of_the_moment_each_time():
    from django.utils import translation

    with translation.override("zh-hans"):
        chinese = describe_hours(DUTY)
    with translation.override("en"):
        english = describe_hours(DUTY)
    with translation.override("zh-hans"):
        assert describe_hours(DUTY) == chinese
    assert chinese[0].startswith("周一至周五") and english[0].startswith("Mon–Fri")
    # Another schedule is its own.
    changed = [{**DUTY[0], "close": "11:30"}, *DUTY[1:]]
    with translation.override("zh-hans"):
        assert describe_hours(changed)[0].endswith("–11:30") and describe_hours(changed) != chinese


def test_bad_hours_are_refused_with_a_reason():
    from django.core.exceptions import ValidationError

    for bad in (
        {"days": [1]},
        [{"days": [8], "open": "09:00", "close": "10:00"}],
        [{"days": [1], "open": "9:00", "close": "10:00"}],
        [{"days": [1], "open": "11:00", "close": "10:00"}],
    ):
        hall = HallFactory.build(code="bad", name="坏网点", hours=bad, parent=None)
        with pytest.raises(ValidationError):
            hall.full_clean()


def test_a_hall_without_windows_has_no_queue():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        HallFactory(has_windows=False, has_queue=True)


def test_the_city_centre_always_exists():
    Hall.objects.all().delete()
    centre = city_centre()
    assert centre.level == HallLevel.CITY and centre.parent is None
    assert city_centre() == centre


def test_the_api_lists_every_hall_with_its_facts(api_client, django_assert_max_num_queries):
    board = BoardFactory(name="社会事务")
    town = HallFactory(code="xinjia", name="新嘉街道便民服务中心", hours=DUTY)
    town.boards.add(board)
    for _n in range(5):
        HallFactory(level=HallLevel.VILLAGE, parent=town, has_windows=False, has_queue=False)
    with django_assert_max_num_queries(3):
        answer = api_client.get("/api/v1/halls/")
    assert answer.status_code == 200
    rows = {row["code"]: row for row in answer.json()}
    assert len(rows) == 7
    row = rows["xinjia"]
    assert row["level"] == "town" and row["parent"] == city_centre().code
    assert row["boards"] == [{"code": board.code, "name": "社会事务"}]
    assert row["hours"] == DUTY
    assert row["has_queue"] is True
    assert isinstance(row["open_now"], bool)
    village = next(r for r in rows.values() if r["level"] == "village")
    assert village["has_queue"] is False and village["parent"] == "xinjia"


def test_the_api_tells_one_hall_or_404(api_client):
    HallFactory(code="xinjia")
    assert api_client.get("/api/v1/halls/xinjia/").json()["code"] == "xinjia"
    assert api_client.get("/api/v1/halls/nowhere/").status_code == 404


def test_an_inactive_hall_is_not_offered(api_client):
    HallFactory(code="closed", active=False)
    assert "closed" not in {row["code"] for row in api_client.get("/api/v1/halls/").json()}
    assert api_client.get("/api/v1/halls/closed/").status_code == 404


def test_the_public_page_lists_halls_by_level(client, django_assert_max_num_queries):
    town = HallFactory(
        code="xinjia", name="新嘉街道便民服务中心", hours=DUTY, address="新嘉路 66 号"
    )
    HallFactory(
        code="hehua",
        name="荷花村代办点",
        level=HallLevel.VILLAGE,
        parent=town,
        has_windows=False,
        has_queue=False,
    )
    with django_assert_max_num_queries(4):
        page = client.get(reverse("halls:hall-list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        html.index("乡镇（街道）级")
        < html.index("新嘉街道便民服务中心")
        < html.index("村（社区）级")
    )
    assert "新嘉路 66 号" in html and "周六、周日 09:00–16:00（周末值班）" in html
    assert "代办员服务台" in html  # the village point has no queue


def test_a_hall_page_shows_its_points(client):
    town = HallFactory(code="xinjia", name="新嘉街道便民服务中心")
    HallFactory(
        code="hehua",
        name="荷花村代办点",
        level=HallLevel.VILLAGE,
        parent=town,
        has_windows=False,
        has_queue=False,
    )
    html = client.get(reverse("halls:hall-detail", args=["xinjia"])).content.decode()
    assert "荷花村代办点" in html and "下设网点" in html
    assert client.get(reverse("halls:hall-detail", args=["nowhere"])).status_code == 404


def test_where_a_matter_can_be_taken_in():
    from halls.availability import matters_taken_in_at, may_take_in
    from matters.models import IntakeScope, Matter
    from tests.factories import MatterFactory

    town = HallFactory(code="xinjia")
    village = HallFactory(code="hehua", level=HallLevel.VILLAGE, parent=town)
    centre = city_centre()
    everywhere = MatterFactory(intake_scope=IntakeScope.ALL)
    nearby = MatterFactory(intake_scope=IntakeScope.LEVELS, intake_min_level=HallLevel.TOWN)
    only_centre = MatterFactory(intake_scope=IntakeScope.NAMED)
    only_centre.intake_halls.add(centre)
    expected = {
        centre: {everywhere, nearby, only_centre},
        town: {everywhere, nearby},
        village: {everywhere},
    }
    for hall, matters in expected.items():
        assert set(Matter.objects.filter(matters_taken_in_at(hall))) == matters
        for matter in (everywhere, nearby, only_centre):
            assert may_take_in(matter, hall) is (matter in matters)
