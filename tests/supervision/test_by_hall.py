"""Supervision by hall and by level (issue 13): the figures per intake hall equal a count by
hand on three halls, from the cases and from the daily summary; ``?hall=`` filters the API and
the page; an unknown hall is refused; the page and the downloads show the hall.

The halls: the city centre, a town centre (新嘉街道) and a village point under it (荷花村).
h1, h2 taken in at the centre: one trip, two trips (h2 collected at the town: a cross pickup).
t1, t2 at the town: one trip (collected at the centre: a cross pickup); t2 taken in at the
resident's home: no trip whatever its visit. v1, v2 at the village point, carried by a helper:
no trip for the resident; v2 still open, collected at the village point (not a cross pickup).
Queue: two tickets at the centre (one called after 10 minutes), one at the town (4 minutes).
"""

import datetime

import pytest
from rest_framework.test import APIClient

from cases.models import Visit
from hall.supervision.selectors import Scope, supervision_figures
from hall.supervision.summary import supervision_summary_refresh
from halls.models import HallLevel
from halls.selectors import city_centre
from tests.factories import HallFactory, UserFactory
from windows.models import Ticket

from .conftest import END, START, at, day, make_case

API = "/api/v1/supervision/summary/"
RANGE = f"start={START}&end={END}"


@pytest.fixture
def network(hall):
    centre = city_centre()
    town = HallFactory(code="xinjia", name="新嘉街道", level=HallLevel.TOWN, parent=centre)
    village = HallFactory(code="hehua", name="荷花村代办点", level=HallLevel.VILLAGE, parent=town)
    helper = UserFactory(helper=True, name="代办员一", hall=village)
    m1, m2, a, b = hall["m1"], hall["m2"], hall["a"], hall["b"]

    def case(matter, department, taken_at, submitted, decided=None, visits=(), **extra):
        made = make_case(
            matter,
            department,
            submitted=submitted,
            accepted=submitted,
            deadline="03-20",
            decided=decided,
            hall=taken_at,
            **extra,
        )
        for value in visits:
            Visit.objects.create(case=made, date=day(value), kind="intake")
        return made

    case(m1, a, centre, "03-05", "03-09", ["03-05"])
    case(m1, a, centre, "03-06", "03-10", ["03-06", "03-10"], pickup_hall=town)
    case(m1, a, town, "03-05", "03-09", ["03-05"], pickup_hall=centre)
    case(m2, b, town, "03-05", "03-05", ["03-05"], home_visit=True)
    case(m1, a, village, "03-06", "03-12", ["03-06"], helper=helper)
    case(m1, a, village, "03-07", None, [], helper=helper, pickup_hall=village)

    def ticket(at_hall, number, waited=None):
        taken = at("03-05")
        made = Ticket.objects.create(
            hall=at_hall,
            board=hall["x"],
            date=day("03-05"),
            sequence=number,
            number=f"A{number:03d}",
            status="done" if waited else "waiting",
            called_at=taken + datetime.timedelta(minutes=waited) if waited else None,
        )
        Ticket.objects.filter(pk=made.pk).update(created_at=taken)

    ticket(centre, 1, 10)
    ticket(centre, 2)
    ticket(town, 3, 4)
    return {**hall, "centre": centre, "town": town, "village": village}


# (received, decided, at centre, at nearest, cross pickups, helped, home visits, mean trips,
#  zero-trip rate, tickets taken, called, mean wait)
BY_HAND = {
    "centre": (2, 2, 2, 0, 1, 0, 0, 1.5, 0.0, 2, 1, 10.0),
    "town": (2, 2, 0, 2, 1, 0, 1, 0.5, 0.5, 1, 1, 4.0),
    "village": (2, 1, 0, 2, 0, 2, 0, 0.0, 1.0, 0, 0, None),
}


def counted(figures) -> tuple:
    return (
        figures.received,
        figures.decided,
        figures.at_centre,
        figures.at_nearest,
        figures.cross_pickups,
        figures.helped,
        figures.home_visits,
        figures.mean_trips,
        figures.zero_trip_rate,
        figures.tickets,
        figures.tickets_called,
        figures.mean_wait_minutes,
    )


def check_by_hand(network, dashboard) -> None:
    halls = {f.key: f for f in dashboard.by_hall}
    for name, expected in BY_HAND.items():
        assert counted(halls[network[name].id]) == expected, name
    # The cases of conftest.py, applied before halls: no hall took them in.
    assert halls[None].label == "未定网点" and halls[None].received == 3
    assert [f.key for f in dashboard.by_hall][:3] == [network[n].id for n in BY_HAND]
    levels = {f.key: f for f in dashboard.by_level}
    assert list(levels) == ["city", "town", "village"]
    assert counted(levels["town"]) == BY_HAND["town"]
    total = dashboard.total
    assert (total.at_centre, total.at_nearest, total.cross_pickups) == (2, 4, 2)
    assert (total.helped, total.home_visits) == (2, 1)


def test_figures_per_hall_equal_a_hand_count(network):
    check_by_hand(network, supervision_figures(Scope(start=START, end=END)))


def test_figures_per_hall_from_the_summary(network):
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    check_by_hand(network, supervision_figures(Scope(start=START, end=END)))
    # Part summarised, part from the cases.
    supervision_summary_refresh(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 6))
    check_by_hand(network, supervision_figures(Scope(start=START, end=END)))


def test_helper_and_home_visit_cases_take_no_trip_for_the_resident(network):
    town = supervision_figures(Scope(start=START, end=END, hall_id=network["town"].id))
    # t1 one trip, t2 taken in at home: none, although a visit was recorded.
    assert (town.total.decided, town.total.trips, town.total.zero_trip) == (2, 1, 1)
    village = supervision_figures(Scope(start=START, end=END, hall_id=network["village"].id))
    assert (village.total.trips, village.total.promise_kept) == (0, 1)


@pytest.fixture
def api(supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    return client


def test_api_by_hall_and_level(api, network):
    body = api.get(API, {"from": START, "to": END}).json()
    rows = {row["code"]: row for row in body["by_hall"]}
    assert rows["xinjia"] == {
        "code": "xinjia",
        "name": "新嘉街道",
        "level": "town",
        "cases_received": 2,
        "cases_decided": 2,
        "cases_at_city_centre": 0,
        "cases_at_nearest_hall": 2,
        "one_trip_rate": 1.0,
        "zero_trip_rate": 0.5,
        "mean_trips": 0.5,
        "mean_working_days": rows["xinjia"]["mean_working_days"],
        "on_time_rate": 1.0,
        "satisfaction_rate": None,
        "cross_hall_pickups": 1,
        "helper_cases": 0,
        "home_visit_cases": 1,
        "tickets_taken": 1,
        "tickets_called": 1,
        "mean_wait_minutes": 4.0,
    }
    assert rows["hehua"]["helper_cases"] == 2 and rows["hehua"]["level"] == "village"
    assert rows[None]["name"] == "未定网点" and rows[None]["cases_received"] == 3
    assert [row["level"] for row in body["by_level"]] == ["city", "town", "village"]
    assert body["cases_at_city_centre"] == 2 and body["cases_at_nearest_hall"] == 4
    assert (body["cross_hall_pickups"], body["helper_cases"], body["home_visit_cases"]) == (
        2,
        2,
        1,
    )


def test_api_filtered_to_a_hall(api, network):
    body = api.get(API, {"from": START, "to": END, "hall": "hehua"}).json()
    assert (body["cases_received"], body["cases_decided"]) == (2, 1)
    assert body["mean_trips"] == 0.0 and body["helper_cases"] == 2
    assert [row["code"] for row in body["by_hall"]] == ["hehua"]
    assert [row["level"] for row in body["by_level"]] == ["village"]
    centre = api.get(API, {"from": START, "to": END, "hall": network["centre"].code}).json()
    assert centre["by_hall"][0]["tickets_taken"] == 2
    assert centre["cases_received"] == 2


def test_api_refuses_an_unknown_hall(api, network):
    response = api.get(API, {"from": START, "to": END, "hall": "nowhere"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid" and body["hall"]
    assert not {"from", "to"} & set(body)


def test_page_has_a_table_per_hall_and_filters_by_hall(client, supervisor, network):
    client.force_login(supervisor)
    page = client.get(f"/supervision/?{RANGE}").content.decode()
    table = page.split('id="sv-hall"', 1)[1].split("</section>", 1)[0]
    assert "新嘉街道" in table and "荷花村代办点" in table and "未定网点" in table
    assert "乡镇（街道）级" in table and "村（社区）级" in table
    assert '<th scope="col">层级</th>' in table and "跨网点领取" in table
    assert 'id="sv-level"' in page
    assert '<dd id="sv-at-nearest">4</dd>' in page and '<dd id="sv-helped">2</dd>' in page
    town = client.get(f"/supervision/?{RANGE}&hall=xinjia")
    assert town.context["dashboard"].total.received == 2
    assert [f.label for f in town.context["dashboard"].by_hall] == ["新嘉街道"]
    assert client.get(f"/supervision/?{RANGE}&hall=nowhere").status_code == 400


def test_downloads_have_the_hall(client, supervisor, network):
    client.force_login(supervisor)
    text = client.get(f"/supervision/export/hall.csv?{RANGE}").content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("网点,层级,受理件数,办结件数")
    assert lines[0].endswith(
        "市级中心受理,就近网点受理,跨网点领取,代办员代办,上门代办,取号数,平均等候（分钟）"
    )
    town = next(line for line in lines if line.startswith("新嘉街道,"))
    assert town.startswith("新嘉街道,乡镇（街道）级,2,2,") and town.endswith(",0,2,1,0,1,1,4.0")
    overdue = client.get(f"/supervision/export/overdue.csv?{RANGE}").content.decode("utf-8-sig")
    assert "受理网点" in overdue.splitlines()[0]
