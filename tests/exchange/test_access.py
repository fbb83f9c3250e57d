"""What a person sees of the lookups of their data (谁查询了我的数据), the data items, the
requirement's ``data_item``, the pages with their consent checkboxes, and the case pages."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases.models import Case
from exchange.models import DataLookup
from tests.factories import UserFactory
from tests.windows.helpers import applicant_data

from .conftest import KNOWN, UNKNOWN, id_number


def _api(user) -> APIClient:
    client = APIClient()
    _instance, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _apply(user, matter, consent=True) -> str:
    response = _api(user).post(
        "/api/v1/cases/", {"matter": matter.code, "consent": consent}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["number"]


def test_data_items_list(card_matter, api_client):
    response = api_client.get("/api/v1/data-items/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    household = body["results"][0]
    assert household["code"] == "household"
    assert household["name"] == "户籍信息"
    assert household["department"] == {"code": "police", "name": "市公安局"}
    assert household["proves"]
    assert [m["name"] for m in household["materials"]] == ["居民户口簿"]


def test_an_inactive_data_item_is_neither_listed_nor_looked_up(
    card_matter, household, known_citizen, api_client
):
    household.active = False
    household.save()

    codes = [item["code"] for item in api_client.get("/api/v1/data-items/").json()["results"]]
    assert codes == ["marriage"]
    _apply(known_citizen, card_matter)
    assert list(DataLookup.objects.values_list("data_item__code", flat=True)) == ["marriage"]


def test_the_requirement_names_its_data_item(card_matter, api_client):
    body = api_client.get(f"/api/v1/matters/{card_matter.code}/").json()

    items = {r["material"]["name"]: r["data_item"] for r in body["requirements"]}
    assert items["居民户口簿"] == {
        "code": "household",
        "name": "户籍信息",
        "department": {"code": "police", "name": "市公安局"},
    }
    assert items["居民身份证"] is None


def test_my_data_access_lists_my_lookups_newest_first_and_nobody_elses(
    card_matter, known_citizen, unknown_citizen
):
    first = _apply(known_citizen, card_matter)
    second = _apply(known_citizen, card_matter)
    _apply(unknown_citizen, card_matter)

    response = _api(known_citizen).get("/api/v1/me/data-access/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [row["case"] for row in body["results"]] == [second, second, first, first]
    row = body["results"][0]
    assert row["item"]["code"] in ("household", "marriage")
    assert row["provider"]["code"] in ("police", "civil-affairs")
    assert row["department"] == {"code": "police", "name": "市公安局"}
    assert row["hall"] is None
    assert row["outcome"] == "found"
    assert row["outcome_label"] == "查到"
    assert row["purpose"] == f"办理《社会保障卡申领》（{second}）"
    assert row["identity"] == KNOWN[:3] + "*" * 11 + KNOWN[-4:]
    assert row["fields"]
    # The other person sees only theirs.
    theirs = _api(unknown_citizen).get("/api/v1/me/data-access/").json()
    assert theirs["count"] == 2
    assert {row["outcome"] for row in theirs["results"]} == {"not_found"}
    assert UNKNOWN not in str(theirs)


def test_my_data_access_needs_a_sign_in(api_client):
    response = api_client.get("/api/v1/me/data-access/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_staff_without_an_identity_see_no_lookups(card_matter, known_citizen, window_clerk):
    _apply(known_citizen, card_matter)
    assert _api(window_clerk).get("/api/v1/me/data-access/").json()["count"] == 0


def _count(client, path: str) -> tuple[int, int]:
    client.get(path)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    rows = (
        len(response.json()["results"])
        if path.startswith("/api/")
        else len(response.context["lookups"])
    )
    return len(captured), rows


def test_the_list_costs_the_same_whatever_the_rows(card_matter, known_citizen):
    api, web = _api(known_citizen), _web(known_citizen)
    _apply(known_citizen, card_matter)
    few = {path: _count(client, path) for client, path in LISTS(api, web)}
    for _ in range(5):
        _apply(known_citizen, card_matter)
    many = {path: _count(client, path) for client, path in LISTS(api, web)}

    for path in few:
        assert few[path][1] == 2 and many[path][1] == 12, path
        assert many[path][0] == few[path][0], path


def LISTS(api, web):  # noqa: N802 - a table
    return [(api, "/api/v1/me/data-access/"), (web, "/me/data-access/")]


def test_the_page_who_looked_up_my_data(card_matter, known_citizen, unknown_citizen):
    number = _apply(known_citizen, card_matter)
    theirs = _apply(unknown_citizen, card_matter)

    page = _web(known_citizen).get("/me/data-access/").content.decode()

    assert "谁查询了我的数据" in page
    assert "户籍信息" in page and "婚姻登记信息" in page
    assert "市公安局" in page
    assert number in page
    assert theirs not in page  # nobody else's lookups
    assert "未查到" not in page
    assert f"办理《社会保障卡申领》（{number}）" in page
    assert KNOWN not in page  # masked
    assert KNOWN[:3] + "*" * 11 + KNOWN[-4:] in page
    # Linked from 我的办件.
    assert "/me/data-access/" in _web(known_citizen).get("/my/cases/").content.decode()


def test_the_page_needs_a_sign_in(client):
    response = client.get("/me/data-access/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_online_apply_page_asks_for_consent_and_passes_it(card_matter, known_citizen):
    web = _web(known_citizen)
    page = web.get(f"/apply/{card_matter.code}/").content.decode()
    assert 'name="consent"' in page
    assert "户籍信息" in page

    data = {
        "applicant_kind": "person",
        "applicant_name": known_citizen.name,
        "applicant_id_number": known_citizen.id_number,
        "applicant_phone": known_citizen.phone,
        "delivery_method": "pickup",
        "next": "1",
    }
    web.post(f"/apply/{card_matter.code}/", data)
    without = Case.objects.get()
    assert not without.data_lookups.exists()
    web.post(f"/apply/{card_matter.code}/", {**data, "consent": "on"})
    case = Case.objects.exclude(pk=without.pk).get()
    assert case.materials.filter(status="satisfied_by_data").count() == 2
    # The case page says it and what came back.
    detail = web.get(f"/my/cases/{case.number}/").content.decode()
    assert "数据共享免提交" in detail
    assert "户籍地址" in detail


def test_a_matter_without_data_items_shows_no_consent(known_citizen):
    from tests.factories import MatterFactory

    matter = MatterFactory()
    page = _web(known_citizen).get(f"/apply/{matter.code}/").content.decode()
    assert 'name="consent"' not in page


def test_the_window_records_consent_and_the_desk_shows_the_finding(card_matter, window_clerk):
    web = _web(window_clerk)
    page = web.get(f"/desk/new/?matter={card_matter.code}").content.decode()
    assert "申请人已同意查询共享数据" in page

    known = id_number("305")
    response = web.post(
        f"/desk/new/?matter={card_matter.code}",
        applicant_data(id_number=known, data_consent="on"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.materials.filter(status="satisfied_by_data").count() == 2
    lookup = case.data_lookups.first()
    assert lookup.hall_id == case.hall_id is not None
    assert lookup.by == window_clerk
    intake = web.get(f"/desk/cases/{case.number}/").content.decode()
    assert "数据共享免提交" in intake
    assert "户籍信息（市公安局）" in intake

    # Without the clerk's tick nothing is looked up.
    web.post(f"/desk/new/?matter={card_matter.code}", applicant_data(id_number=id_number("306")))
    assert Case.objects.count() == 2
    assert DataLookup.objects.filter(case__applicant_id_number=id_number("306")).count() == 0


@pytest.fixture
def police_approver(police):
    return UserFactory(approver=True, department=police, name="公安审批")


def test_the_approver_sees_the_snapshot_on_the_review_page_and_in_the_api(
    card_matter, known_citizen, window_clerk, police_approver
):
    from django.urls import reverse

    from cases import services
    from tests.cases.conftest import pdf

    number = _apply(known_citizen, card_matter)
    case = Case.objects.get(number=number)
    for material in case.materials.filter(status="missing"):
        services.material_upload(
            case=case, by=known_citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=known_citizen)
    services.case_accept(case=Case.objects.get(pk=case.pk), by=window_clerk)
    review = case.reviews.get()
    police_approver.is_staff = True
    police_approver.save(update_fields=["is_staff"])

    page = _web(police_approver).get(reverse("admin:cases_review_change", args=[review.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "数据共享：户籍信息（市公安局提供" in text
    assert "户籍地址" in text and "登记日期" in text
    # Not the identity in full, nor the person's other lookups.
    assert "与户主关系" in text
    answer = _api(police_approver).get(f"/api/v1/cases/{number}/").json()
    household = next(m for m in answer["materials"] if m["name"] == "居民户口簿")
    assert household["status"] == "satisfied_by_data"
    assert household["data"]["fields"][0]["label"] == "户籍地址"


def test_the_back_office_lists_the_lookups_read_only_and_masked(card_matter, known_citizen):
    _apply(known_citizen, card_matter)
    admin = UserFactory(is_staff=True, is_superuser=True)
    web = _web(admin)

    listing = web.get("/admin/exchange/datalookup/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert KNOWN not in text and KNOWN[:3] + "*" * 11 + KNOWN[-4:] in text
    lookup = DataLookup.objects.first()
    detail = web.get(f"/admin/exchange/datalookup/{lookup.pk}/change/")
    assert detail.status_code == 200
    assert KNOWN not in detail.content.decode()
    assert web.post(f"/admin/exchange/datalookup/{lookup.pk}/delete/").status_code == 403
    assert DataLookup.objects.filter(pk=lookup.pk).exists()
