"""The locker's API and page, and how a reused material shows on the case (API and pages)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from locker.models import LockerItem
from tests.factories import MaterialTypeFactory, MatterFactory, RequirementFactory

from .conftest import HOUSEHOLD, ID_CARD, api_as, applicant_of, pdf, upload_missing

pytestmark = pytest.mark.django_db

URL = "/api/v1/locker/"


def test_my_locker_lists_my_items(verified, citizen, password):
    LockerItem.objects.filter(material_type__name=HOUSEHOLD).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    answer = api_as(citizen).get(URL)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    rows = {row["material"]["name"]: row for row in body["results"]}
    card = rows[ID_CARD]
    assert set(card) == {
        "id",
        "material",
        "verified_at",
        "valid_until",
        "case",
        "hall",
        "usable",
        "files",
    }
    assert card["material"] == {"code": "id-card", "name": ID_CARD}
    assert card["case"] == verified.number
    assert card["hall"] == {"code": verified.hall.code, "name": verified.hall.name}
    assert card["usable"] is True
    assert rows[HOUSEHOLD]["usable"] is False  # expired, listed until removed
    # The file downloads with the caller's token.
    [stored] = card["files"]
    token_client = APIClient()
    signed_in = token_client.post(
        "/api/v1/auth/token/", {"username": citizen.username, "password": password}
    )
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
    download = token_client.get(stored["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_nobody_else_sees_or_removes_my_items(verified, stranger, clerk):
    assert api_as(stranger).get(URL).json()["count"] == 0
    assert api_as(clerk).get(URL).json()["count"] == 0
    item = LockerItem.objects.get(material_type__name=ID_CARD)
    answer = api_as(stranger).delete(f"{URL}{item.pk}/")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    item.refresh_from_db()
    assert item.withdrawn_at is None
    assert APIClient().get(URL).status_code in (401, 403)


def test_removing_twice_is_not_found(verified, citizen):
    item = LockerItem.objects.get(material_type__name=ID_CARD)
    client = api_as(citizen)
    assert client.delete(f"{URL}{item.pk}/").status_code == 204
    assert client.delete(f"{URL}{item.pk}/").status_code == 404
    assert client.get(URL).json()["count"] == 1
    item.refresh_from_db()
    assert item.withdrawn_at is not None


def verify_more(citizen, clerk, department, n: int) -> None:
    """``n`` more items in the citizen's locker, each verified at the window on its own case."""
    for index in range(n):
        kind = MaterialTypeFactory(name=f"证明{index}", locker_valid_days=30)
        matter = MatterFactory(name=f"事项{index}", lead_department=department, with_guide=False)
        RequirementFactory(matter=matter, material=kind, key=True)
        case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
        # The clerk's scan of the paper checked at the window (the locker keeps only what
        # has an electronic copy).
        services.material_upload(
            case=case, by=clerk, requirement_id=case.materials.get().requirement_id, upload=pdf()
        )
        services.material_receive(
            case=case,
            by=clerk,
            requirement_id=case.materials.get().requirement_id,
            form="original",
            copies=1,
        )
        services.case_submit(case=case, by=clerk)
        services.case_accept(case=case, by=clerk)


def test_the_list_costs_the_same_whatever_its_length(
    verified, citizen, clerk, housing, django_assert_max_num_queries
):
    client = api_as(citizen)
    with django_assert_max_num_queries(20) as few:
        assert client.get(URL).status_code == 200
    verify_more(citizen, clerk, housing, 4)
    with django_assert_max_num_queries(len(few)):
        assert client.get(URL).json()["count"] == 6


def test_case_detail_says_where_the_material_was_verified(verified, citizen, clerk, second_matter):
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    for viewer in (citizen, clerk):
        if viewer is clerk:  # the window sees an online case once it is submitted
            upload_missing(case, citizen)
            services.case_submit(case=case, by=citizen)
        answer = api_as(viewer).get(f"/api/v1/cases/{case.number}/").json()
        rows = {row["name"]: row for row in answer["materials"]}
        card = rows[ID_CARD]
        assert card["status"] == "satisfied_by_locker"
        assert card["locker"]["case"] == verified.number
        assert card["locker"]["hall"]["code"] == verified.hall.code
        assert card["locker"]["verified_at"]
        assert card["files"] and card["files"][0]["url"].startswith(f"/cases/{case.number}/")
        assert rows["公积金贷款申请表"]["locker"] is None
        # The file is served under the new case to those who may see it.
        client = Client()
        client.force_login(viewer)
        assert client.get(card["files"][0]["url"]).status_code == 200


def test_case_pages_show_the_reuse(verified, citizen, clerk, second_matter):
    case = services.case_create(by=citizen, matter=second_matter, applicant=applicant_of(citizen))
    client = Client()
    client.force_login(citizen)
    page = client.get(f"/my/cases/{case.number}/materials/").content.decode()
    assert "材料库复用" in page
    assert verified.hall.name in page
    assert verified.number in page
    upload_missing(case, citizen)
    services.case_submit(case=case, by=citizen)
    desk = Client()
    desk.force_login(clerk)
    page = desk.get(f"/desk/cases/{case.number}/").content.decode()
    assert "材料库复用" in page
    assert verified.number in page


def test_my_locker_page_removes_after_confirmation(verified, citizen, stranger):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    page = client.get("/me/locker/")
    assert page.status_code == 200
    assert ID_CARD in page.content.decode()
    assert verified.number in page.content.decode()
    item = LockerItem.objects.get(material_type__name=ID_CARD)
    confirm = client.get(f"/me/locker/{item.pk}/remove/")
    assert "确认删除" in confirm.content.decode()
    # Without the CSRF token: refused, nothing removed.
    assert client.post(f"/me/locker/{item.pk}/remove/").status_code == 403
    item.refresh_from_db()
    assert item.withdrawn_at is None
    token = confirm.context["csrf_token"]
    done = client.post(f"/me/locker/{item.pk}/remove/", {"csrfmiddlewaretoken": str(token)})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.withdrawn_at is not None
    # Someone else's item: not found.
    other = Client()
    other.force_login(stranger)
    household = LockerItem.objects.get(material_type__name=HOUSEHOLD)
    assert other.get(f"/me/locker/{household.pk}/remove/").status_code == 404
    assert other.post(f"/me/locker/{household.pk}/remove/").status_code == 404


def test_my_cases_links_the_locker(citizen):
    client = Client()
    client.force_login(citizen)
    assert "/me/locker/" in client.get("/my/cases/").content.decode()
    assert "/me/locker/" in client.get(reverse("accounts:profile")).content.decode()


def test_the_locker_page_costs_the_same_whatever_its_length(
    verified, citizen, clerk, housing, django_assert_max_num_queries
):
    client = Client()
    client.force_login(citizen)
    with django_assert_max_num_queries(30) as few:
        assert client.get("/me/locker/").status_code == 200
    verify_more(citizen, clerk, housing, 4)
    with django_assert_max_num_queries(len(few)):
        assert "证明3" in client.get("/me/locker/").content.decode()
