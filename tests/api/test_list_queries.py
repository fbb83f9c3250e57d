"""Every case and review list runs the same queries with 3 cases and with many, and the case
and review lists page by cursor (``cases.pagination.KeysetPagination``)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, MaterialStatus
from matters.models import MaterialForm
from tests.cases.conftest import applicant_of, pdf, requirement

from .conftest import set_deadline

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
REVIEWS = "/api/v1/reviews/"

# (name, who, path): the lists of issue 11.
LISTS = [
    ("cases: owner", "owner", CASES),
    ("cases: clerk", "clerk", CASES),
    ("cases: approver", "approver", CASES),
    ("cases: supervisor", "supervisor", CASES),
    ("cases: supervisor, in review", "supervisor", f"{CASES}?status=in_review"),
    ("reviews", "approver", REVIEWS),
    ("reviews: pending", "approver", f"{REVIEWS}?status=pending"),
    ("desk inbox", "clerk web", "/desk/"),
    ("admin review queue", "approver web", "/admin/cases/review/"),
    ("我的办件", "owner web", "/my/cases/"),
]


def _window_case(citizen, clerk, matter) -> Case:
    """A case taken in at the window: materials received on paper, one missing, a trip."""
    case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    services.material_receive(
        case=case,
        by=clerk,
        requirement_id=requirement(case, "居民身份证"),
        form=MaterialForm.ORIGINAL,
        copies=1,
    )
    services.case_hand_in(case=case, by=clerk)
    services.case_request_supplement(
        case=case, by=clerk, missing=[requirement(case, "完税凭证")], note="请补交。"
    )
    return case


@pytest.fixture
def clients(client_for, citizen, clerk, housing_approver, supervisor):
    users = {
        "owner": citizen,
        "clerk": clerk,
        "approver": housing_approver,
        "supervisor": supervisor,
    }
    found = {role: client_for(user) for role, user in users.items()}
    housing_approver.is_staff = True
    housing_approver.save(update_fields=["is_staff"])
    for role in ("owner", "clerk", "approver"):
        web = Client()
        web.force_login(users[role])
        found[f"{role} web"] = web
    return found


def _queries(clients) -> dict[str, tuple[int, int]]:
    """``{list: (queries, rows shown)}`` of one request of each list."""
    measured = {}
    for name, who, path in LISTS:
        client = clients[who]
        client.get(path)  # warm: sessions, content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {"page_size": 50} if path.startswith("/api/") else {})
        assert response.status_code == 200, (name, response.status_code)
        if path.startswith("/api/"):
            rows = len(response.json()["results"])
        elif name == "desk inbox":
            rows = len(response.context["inbox"])
        elif name == "admin review queue":
            rows = len(response.context["cl"].result_list)
        else:
            rows = len(response.context["cases"])
        measured[name] = (len(captured), rows)
    return measured


def test_every_list_runs_the_same_queries_with_3_and_with_45_cases(
    clients, build_case, citizen, clerk, matter
):
    for status in ("submitted", "in_review", "closed"):
        build_case(status)
    few = _queries(clients)

    statuses = [
        "draft",
        "submitted",
        "supplement_required",
        "in_review",
        "approved",
        "denied",
        "ready",
        "closed",
        "withdrawn",
        "rejected",
    ]
    for n in range(36):
        case = build_case(statuses[n % len(statuses)], courier=n % 4 == 0)
        if case.deadline:
            set_deadline(case, n % 9 - 3)
    for _ in range(6):
        _window_case(citizen, clerk, matter)
    assert Case.objects.count() == 45
    many = _queries(clients)

    assert {name: queries for name, (queries, _) in many.items()} == {
        name: queries for name, (queries, _) in few.items()
    }
    # Every list shows more rows with more cases: the measure saw them.
    grown = [name for name in few if many[name][1] > few[name][1]]
    assert grown == [name for name, _, _ in LISTS]


def test_the_desk_inbox_shows_materials_in_from_the_counter(clients, citizen, clerk, matter):
    _window_case(citizen, clerk, matter)
    submitted = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    services.material_upload(
        case=submitted,
        by=citizen,
        requirement_id=requirement(submitted, "居民身份证"),
        upload=pdf(),
    )
    services.case_submit(case=submitted, by=citizen)
    response = clients["clerk web"].get("/desk/")
    rows = {row["row"].case.number: row["row"].case for row in response.context["inbox"]}
    shown = rows[submitted.number]
    in_hand = submitted.materials.filter(status=MaterialStatus.RECEIVED).count()
    assert (shown.received_count, shown.material_count) == (in_hand, submitted.materials.count())
    assert f"{in_hand}/{submitted.materials.count()} 项" in response.content.decode()


# Pages by cursor ------------------------------------------------------------------------------


def _walk(client, url: str) -> tuple[list[str], list[dict]]:
    numbers, pages = [], []
    while url:
        page = client.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        pages.append(page)
        numbers += [row.get("number") or row["case"]["number"] for row in page["results"]]
        url = page["next"]
    return numbers, pages


def test_the_case_list_pages_by_cursor_newest_first(clients, build_case):
    cases = [build_case(status) for status in ("submitted", "in_review", "closed") * 3]
    # Two cases created at the same instant: the id breaks the tie.
    same = timezone.now() - datetime.timedelta(hours=1)
    Case.objects.filter(pk__in=[cases[0].pk, cases[1].pk]).update(created_at=same)
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("number", flat=True))

    client = clients["supervisor"]
    numbers, pages = _walk(client, f"{CASES}?page_size=4")

    assert numbers == expected
    assert [len(p["results"]) for p in pages] == [4, 4, 1]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    # Back from the last page: the middle page again.
    back = client.get(pages[-1]["previous"]).json()
    assert [r["number"] for r in back["results"]] == expected[4:8]
    assert back["next"] is not None and back["previous"] is not None
    first = client.get(back["previous"]).json()
    assert [r["number"] for r in first["results"]] == expected[:4]
    assert first["previous"] is None


def test_the_review_list_pages_by_cursor_deadline_first(clients, build_case):
    cases = [build_case("in_review") for _ in range(5)]
    for case, days in zip(cases, (4, -2, 7, 0, 1), strict=True):
        set_deadline(case, days)
    expected = [c.number for c in sorted(cases, key=lambda c: Case.objects.get(pk=c.pk).deadline)]

    numbers, pages = _walk(clients["approver"], f"{REVIEWS}?status=pending&page_size=2")

    assert numbers == expected
    assert len(pages) == 3


@pytest.mark.parametrize("cursor", ["nonsense", "eyJrIjogWyJ4Il0sICJiIjogMH0", "e30"])
def test_an_invalid_cursor_is_not_found(clients, build_case, cursor):
    build_case("submitted")
    response = clients["supervisor"].get(CASES, {"cursor": cursor})
    assert response.status_code == 404
