"""The data exchange at case creation: the checklist shrinks for a person the exchange knows,
stays for one it does not, survives the exchange being down, and every lookup is logged."""

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from documents.models import DocumentKind
from exchange.models import DataLookup
from exchange.sources import ExchangeUnavailableError

from .conftest import KNOWN


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _apply(user, matter, **extra):
    response = _client(user).post("/api/v1/cases/", {"matter": matter.code, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _statuses(answer) -> dict[str, str]:
    return {m["name"]: m["status"] for m in answer["materials"]}


def test_checklist_shrinks_when_the_exchange_knows_the_applicant(known_citizen, card_matter):
    answer = _apply(known_citizen, card_matter, consent=True)

    statuses = _statuses(answer)
    assert statuses["居民户口簿"] == "satisfied_by_data"
    assert statuses["结婚证"] == "satisfied_by_data"
    assert statuses["居民身份证"] == "missing"
    assert statuses["申请表"] == "missing"
    household = next(m for m in answer["materials"] if m["name"] == "居民户口簿")
    assert household["data"]["item"] == {"code": "household", "name": "户籍信息"}
    assert household["data"]["department"] == {"code": "police", "name": "市公安局"}
    assert household["data"]["at"]
    assert [f["label"] for f in household["data"]["fields"]] == [
        "户籍地址",
        "与户主关系",
        "登记日期",
    ]
    assert household["reason"] == ""
    case = Case.objects.get(number=answer["number"])
    assert case.materials_in == 2
    # The 数据核验单 lists what was found.
    assert case.documents.filter(kind=DocumentKind.DATA_CHECK).exists()
    paper = case.documents.get(kind=DocumentKind.DATA_CHECK)
    assert [item["name"] for item in paper.context["items"]] == ["户籍信息", "婚姻登记信息"]
    assert paper.context["applicant_id"] != KNOWN  # masked on the paper
    assert {d["kind"] for d in answer["documents"]} >= {"data_check"}


def test_the_same_matter_for_a_person_the_exchange_does_not_know_asks_for_the_paper(
    unknown_citizen, card_matter
):
    answer = _apply(unknown_citizen, card_matter, consent=True)

    statuses = _statuses(answer)
    assert statuses["居民户口簿"] == "missing"
    assert statuses["结婚证"] == "missing"
    assert all(m["data"] is None for m in answer["materials"])
    case = Case.objects.get(number=answer["number"])
    assert case.materials_in == 0
    assert not case.documents.filter(kind=DocumentKind.DATA_CHECK).exists()
    outcomes = sorted(case.data_lookups.values_list("data_item__code", "outcome"))
    assert outcomes == [("household", "not_found"), ("marriage", "not_found")]


def test_without_consent_nothing_is_looked_up(known_citizen, card_matter):
    answer = _apply(known_citizen, card_matter)

    assert _statuses(answer)["居民户口簿"] == "missing"
    assert not DataLookup.objects.exists()


def test_consent_must_be_a_boolean(known_citizen, card_matter):
    response = _client(known_citizen).post(
        "/api/v1/cases/", {"matter": card_matter.code, "consent": "perhaps"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "consent" in response.json()
    assert not Case.objects.exists()


class DownSource:
    name = "down"

    def lookup(self, query):
        raise ExchangeUnavailableError("connection refused")


@pytest.fixture
def exchange_down(settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "BACKEND": f"{__name__}.DownSource"}


def test_the_exchange_down_leaves_the_case_usable(exchange_down, known_citizen, card_matter):
    answer = _apply(known_citizen, card_matter, consent=True)

    household = next(m for m in answer["materials"] if m["name"] == "居民户口簿")
    assert household["status"] == "missing"
    assert household["reason"] == "数据共享平台暂不可用，请提交纸质材料"
    assert answer["status"] == "draft"
    case = Case.objects.get(number=answer["number"])
    assert set(case.data_lookups.values_list("outcome", flat=True)) == {"unavailable"}
    # The applicant goes on: uploads and submits as usual.
    client = _client(known_citizen)
    from tests.cases.conftest import pdf

    for material in answer["materials"]:
        response = client.post(
            f"/api/v1/cases/{case.number}/materials/",
            {"requirement": material["requirement"], "file": pdf()},
            format="multipart",
        )
        assert response.status_code == 201, response.json()
    response = client.post(f"/api/v1/cases/{case.number}/submit/", format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"


def test_every_lookup_is_logged_with_its_purpose(known_citizen, card_matter):
    answer = _apply(known_citizen, card_matter, consent=True)

    lookups = list(DataLookup.objects.order_by("data_item__code"))
    assert [(lu.data_item.code, lu.outcome) for lu in lookups] == [
        ("household", "found"),
        ("marriage", "found"),
    ]
    for lookup in lookups:
        assert lookup.identity == KNOWN
        assert lookup.case.number == answer["number"]
        assert lookup.department.code == "police"  # online: the matter's lead department
        assert lookup.hall is None
        assert lookup.purpose == f"办理《社会保障卡申领》（{answer['number']}）"
        assert lookup.source == "simulated"


def test_the_lookups_cost_the_same_whatever_the_number_of_items(known_citizen, card_matter, police):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matters.models import DataItem
    from tests.factories import MaterialTypeFactory, RequirementFactory

    def create_queries() -> int:
        client = _client(known_citizen)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/api/v1/cases/", {"matter": card_matter.code, "consent": True}, format="json"
            )
        assert response.status_code == 201
        return len(captured)

    create_queries()  # warm
    two = create_queries()
    for n in range(3):
        item = DataItem.objects.create(code=f"item{n}", name=f"数据{n}", department=police)
        RequirementFactory(
            matter=card_matter,
            material=MaterialTypeFactory(name=f"证明{n}", data_item=item),
            order=10 + n,
        )
    five = create_queries()

    assert five == two
    assert DataLookup.objects.filter(case__number__isnull=False).count() == 2 + 2 + 5


class BrokenSource:
    name = "broken"

    def lookup(self, query):
        raise RuntimeError("a bug in the source")


def test_a_broken_source_counts_as_unavailable(settings, known_citizen, card_matter):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "BACKEND": f"{__name__}.BrokenSource"}

    answer = _apply(known_citizen, card_matter, consent=True)

    assert answer["status"] == "draft"
    household = next(m for m in answer["materials"] if m["name"] == "居民户口簿")
    assert household["reason"] == "数据共享平台暂不可用，请提交纸质材料"
    assert set(DataLookup.objects.values_list("outcome", flat=True)) == {"unavailable"}
