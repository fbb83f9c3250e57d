"""The review API (``/api/v1/reviews/``): each department's queue and its decisions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent, Review
from tests.cases.conftest import PDF_BYTES, requirement

from .conftest import ROLES, set_deadline

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/reviews/"


def decide(client, review: Review, decision: str, body: dict | None = None):
    return client.post(f"{REVIEWS}{review.pk}/{decision}/", body or {}, format="json")


def review_of(case: Case, department: str) -> Review:
    return case.reviews.get(department__code=department)


def upload(client, case: Case, name: str):
    return client.post(
        f"/api/v1/cases/{case.number}/materials/",
        {
            "requirement": requirement(case, name),
            "file": SimpleUploadedFile("new.pdf", PDF_BYTES, content_type="application/pdf"),
        },
        format="multipart",
    )


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        CaseEvent.objects.filter(case=case).count(),
        list(case.reviews.order_by("id").values_list("status", "opinion", "round", "missing")),
        list(case.materials.order_by("id").values_list("status", "reason")),
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


# ---------------------------------------------------------------------------------------------
# The queue


def test_an_approver_sees_only_the_own_departments_reviews_deadline_first(
    client_for, housing_approver, build_case
):
    late, soon, middle = build_case("in_review"), build_case("in_review"), build_case("in_review")
    set_deadline(late, 10)
    set_deadline(soon, 2)
    set_deadline(middle, 5)
    build_case("submitted")  # not accepted: no review yet

    response = client_for(housing_approver).get(REVIEWS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["case"]["number"] for row in rows] == [soon.number, middle.number, late.number]
    assert {row["department"]["code"] for row in rows} == {"housing"}
    first = rows[0]
    assert first["id"] == review_of(soon, "housing").pk
    assert first["case"]["matter"] == {"code": soon.matter.code, "name": "不动产转移登记"}
    assert first["department"] == {"code": "housing", "name": "市住房和城乡建设局"}
    assert first["status"] == "pending"
    assert first["deadline"] == Case.objects.get(pk=soon.pk).deadline.isoformat()


def test_each_department_has_its_own_queue(client_for, housing_approver, tax_approver, build_case):
    case = build_case("in_review")

    housing = client_for(housing_approver).get(REVIEWS).json()["results"]
    tax = client_for(tax_approver).get(REVIEWS).json()["results"]

    assert [r["id"] for r in housing] == [review_of(case, "housing").pk]
    assert [r["id"] for r in tax] == [review_of(case, "tax").pk]


def test_an_approver_of_another_department_sees_an_empty_queue(
    client_for, other_approver, build_case
):
    build_case("in_review")

    response = client_for(other_approver).get(REVIEWS)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_queue_filters_by_status(client_for, housing_approver, build_case):
    decided, waiting = build_case("in_review"), build_case("in_review")
    client = client_for(housing_approver)
    decide(client, review_of(decided, "housing"), "approve", {"opinion": "同意。"})

    pending = client.get(REVIEWS, {"status": "pending"}).json()["results"]
    approved = client.get(REVIEWS, {"status": "approved"}).json()["results"]
    everything = client.get(REVIEWS).json()["results"]

    assert [r["case"]["number"] for r in pending] == [waiting.number]
    assert [r["case"]["number"] for r in approved] == [decided.number]
    assert {r["case"]["number"] for r in everything} == {decided.number, waiting.number}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("owner", 403),
        ("other_citizen", 403),
        ("clerk", 403),
        ("supervisor", 403),
        ("reviewing_approver", 200),
        ("other_approver", 200),
    ],
)
def test_only_approvers_have_a_queue(client_for, actor, build_case, role, expected):
    build_case("in_review")

    response = client_for(actor(role)).get(REVIEWS)

    assert response.status_code == expected, response.content
    if expected == 401:
        assert_error(response, 401, "not_authenticated")
    elif expected == 403:
        assert_error(response, 403, "permission_denied")


def test_a_review_of_another_department_is_not_found(
    client_for, housing_approver, tax_approver, build_case
):
    case = build_case("in_review")
    housing = review_of(case, "housing")

    own = client_for(housing_approver).get(f"{REVIEWS}{housing.pk}/")
    other = client_for(tax_approver).get(f"{REVIEWS}{housing.pk}/")
    nowhere = client_for(tax_approver).get(f"{REVIEWS}999999/")

    assert own.status_code == 200
    assert own.json()["id"] == housing.pk
    assert_error(other, 404, "not_found")
    assert other.json() == nowhere.json()


# ---------------------------------------------------------------------------------------------
# Decisions: who may decide


@pytest.mark.parametrize("decision", ["approve", "return", "deny"])
@pytest.mark.parametrize("role", [*ROLES, "tax_approver"])
def test_only_the_departments_approver_decides_its_review(
    client_for, actor, tax_approver, build_case, decision, role
):
    case = build_case("in_review")
    review = review_of(case, "housing")
    user = tax_approver if role == "tax_approver" else actor(role)
    body = {"opinion": "意见。", "missing": [requirement(case, "完税凭证")]}
    before = snapshot(case)

    response = decide(client_for(user), review, decision, body)

    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif role == "reviewing_approver":
        assert response.status_code == 200, response.content
        expected = {"approve": "approved", "return": "returned", "deny": "denied"}[decision]
        assert response.json()["status"] == expected
        assert Review.objects.get(pk=review.pk).status == expected
        return
    else:
        # Not an approver: no queue at all; an approver of another department (even one that
        # reviews the same case) is refused by the service.
        assert_error(response, 403, "permission_denied")
    assert snapshot(case) == before


# ---------------------------------------------------------------------------------------------
# Decisions: validation and refusals


@pytest.mark.parametrize(
    ("decision", "body", "field"),
    [
        ("approve", {}, "opinion"),
        ("approve", {"opinion": ""}, "opinion"),
        ("approve", {"opinion": "   "}, "opinion"),
        ("deny", {}, "opinion"),
        ("return", {"opinion": "缺材料。"}, "missing"),
        ("return", {"opinion": "缺材料。", "missing": []}, "missing"),
        ("return", {"opinion": "缺材料。", "missing": ["abc"]}, "missing"),
        ("return", {"opinion": "缺材料。", "missing": [999999]}, "requirement"),
        ("return", {"missing": ["REQ"]}, "opinion"),
    ],
)
def test_decisions_refuse_invalid_input_with_field_errors(
    client_for, housing_approver, build_case, decision, body, field
):
    case = build_case("in_review")
    if body.get("missing") == ["REQ"]:
        body = {**body, "missing": [requirement(case, "完税凭证")]}
    before = snapshot(case)

    response = decide(client_for(housing_approver), review_of(case, "housing"), decision, body)

    assert field in assert_error(response, 400, "invalid")
    assert snapshot(case) == before


def test_a_review_is_decided_once(client_for, housing_approver, build_case):
    case = build_case("in_review")
    client = client_for(housing_approver)
    review = review_of(case, "housing")
    decide(client, review, "approve", {"opinion": "同意。"})
    before = snapshot(case)

    again = decide(client, review, "deny", {"opinion": "改主意了。"})

    assert_error(again, 409, "invalid_transition")
    assert snapshot(case) == before


@pytest.mark.parametrize("status", ["approved", "denied"])
def test_no_decision_once_the_case_has_moved_on(client_for, housing_approver, build_case, status):
    case = build_case(status)
    before = snapshot(case)

    response = decide(
        client_for(housing_approver), review_of(case, "housing"), "approve", {"opinion": "同意。"}
    )

    body = assert_error(response, 409, "invalid_transition")
    assert body["status"] == status
    assert snapshot(case) == before


# ---------------------------------------------------------------------------------------------
# Aggregation of parallel reviews


def test_the_last_decision_moves_the_case_any_denial_denies(
    client_for, housing_approver, tax_approver, clerk, build_case
):
    case = build_case("in_review")

    decide(client_for(housing_approver), review_of(case, "housing"), "deny", {"opinion": "不符。"})
    assert Case.objects.get(pk=case.pk).status == "in_review"
    decide(client_for(tax_approver), review_of(case, "tax"), "approve", {"opinion": "同意。"})

    case.refresh_from_db()
    assert case.status == "denied"
    assert "不符" in case.decision_note
    issued = client_for(clerk).post(f"/api/v1/cases/{case.number}/issue/", format="json")
    assert issued.json()["status"] == "ready"


def test_return_then_resubmit_reopens_only_the_returned_review(
    client_for, citizen, housing_approver, tax_approver, build_case
):
    case = build_case("in_review")
    owner = client_for(citizen)
    tax_receipt = requirement(case, "完税凭证")
    decide(
        client_for(housing_approver), review_of(case, "housing"), "approve", {"opinion": "同意。"}
    )

    returned = decide(
        client_for(tax_approver),
        review_of(case, "tax"),
        "return",
        {"opinion": "完税凭证印章不清。", "missing": [tax_receipt]},
    )

    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "returned"
    detail = owner.get(f"/api/v1/cases/{case.number}/").json()
    assert detail["status"] == "supplement_required"
    assert detail["clock_stopped"] is True
    asked = {m["name"]: m for m in detail["materials"]}
    assert asked["完税凭证"]["status"] == "missing"
    assert asked["完税凭证"]["reason"] == "税务：完税凭证印章不清"
    assert asked["居民身份证"]["status"] == "received"

    assert upload(owner, case, "完税凭证").status_code == 201
    resubmitted = owner.post(f"/api/v1/cases/{case.number}/resubmit/", format="json")

    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["status"] == "in_review"
    assert resubmitted.json()["clock_stopped"] is False
    reviews = {r.department.code: r for r in case.reviews.select_related("department")}
    assert (reviews["housing"].status, reviews["housing"].round) == ("approved", 1)
    assert (reviews["tax"].status, reviews["tax"].round) == ("pending", 2)
    assert [
        r["id"]
        for r in client_for(tax_approver).get(REVIEWS, {"status": "pending"}).json()["results"]
    ] == [reviews["tax"].pk]
    assert client_for(housing_approver).get(REVIEWS, {"status": "pending"}).json()["results"] == []

    decide(client_for(tax_approver), reviews["tax"], "approve", {"opinion": "已补正，同意。"})
    assert Case.objects.get(pk=case.pk).status == "approved"


def test_two_returns_give_one_merged_list_of_everything_missing(
    client_for, citizen, housing_approver, tax_approver, build_case
):
    case = build_case("in_review")
    owner = client_for(citizen)
    id_card, tax_receipt = requirement(case, "居民身份证"), requirement(case, "完税凭证")

    decide(
        client_for(housing_approver),
        review_of(case, "housing"),
        "return",
        {"opinion": "身份证已过期。", "missing": [id_card]},
    )
    decide(
        client_for(tax_approver),
        review_of(case, "tax"),
        "return",
        {"opinion": "身份证与完税凭证不符。", "missing": [id_card, tax_receipt]},
    )

    detail = owner.get(f"/api/v1/cases/{case.number}/").json()
    assert detail["status"] == "supplement_required"
    missing = {m["name"]: m["reason"] for m in detail["materials"] if m["status"] == "missing"}
    assert missing == {
        "居民身份证": "住建：身份证已过期；税务：身份证与完税凭证不符",
        "完税凭证": "税务：身份证与完税凭证不符",
        "授权委托书": "",
    }
    conclude = [e for e in detail["events"] if e["to_status"] == "supplement_required"]
    assert len(conclude) == 1
    assert "居民身份证" in conclude[0]["note"] and "完税凭证" in conclude[0]["note"]

    too_soon = owner.post(f"/api/v1/cases/{case.number}/resubmit/", format="json")
    assert [m["name"] for m in assert_error(too_soon, 400, "materials_missing")["missing"]] == [
        "居民身份证",
        "完税凭证",
    ]
    upload(owner, case, "居民身份证")
    upload(owner, case, "完税凭证")
    assert (
        owner.post(f"/api/v1/cases/{case.number}/resubmit/", format="json").json()["status"]
        == "in_review"
    )
    assert set(case.reviews.values_list("status", "round")) == {("pending", 2)}


# ---------------------------------------------------------------------------------------------
# The queue runs a constant number of queries

QUEUE_QUERY_BOUND = 6


def _queue_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(REVIEWS, {"page_size": 50})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_review_queue_runs_a_constant_number_of_queries(
    client_for, housing_approver, build_case, django_assert_max_num_queries
):
    client = client_for(housing_approver)
    for days in (3, 1, 2):
        set_deadline(build_case("in_review"), days)
    few, few_count = _queue_queries(client)
    with django_assert_max_num_queries(QUEUE_QUERY_BOUND):
        client.get(REVIEWS, {"page_size": 50})

    for n in range(27):
        case = build_case(["in_review", "approved", "denied"][n % 3])
        set_deadline(case, n % 7)
    many, many_count = _queue_queries(client)
    with django_assert_max_num_queries(QUEUE_QUERY_BOUND):
        client.get(REVIEWS, {"page_size": 50})

    assert (few_count, many_count) == (3, 30)
    assert few == many
