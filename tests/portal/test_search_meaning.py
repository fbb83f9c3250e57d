"""Search finds what a person means, on the demo catalog: the result a matter issues, its
materials and keywords are searched too, and every word of a multi-word query must match."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

LIST_URL = reverse("matters:matter-list")
API_URL = "/api/v1/matters/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_catalog():
    call_command("seed_demo", stdout=StringIO())


def page_codes(client, term: str) -> list[str]:
    response = client.get(LIST_URL, {"q": term})
    assert response.status_code == 200
    return [matter.code for matter in response.context["matters"]]


def test_search_finds_what_a_person_means(client, api_client, demo_catalog):
    # 营业执照: the matters that issue one come first, then those that ask for it.
    licence = page_codes(client, "营业执照")
    assert set(licence[:3]) == {"biz-company-setup", "biz-sole-trader", "biz-company-change"}
    assert "biz-food-permit" in licence  # asks for the 营业执照 as a material

    # Every word must match, wherever it is.
    assert set(page_codes(client, "公积金 提取")) == {
        "fund-withdraw-purchase",
        "fund-withdraw-rent",
        "fund-withdraw-retirement",
    }
    assert set(page_codes(client, "公积金　提取　租赁")) == {"fund-withdraw-rent"}
    assert page_codes(client, "公积金 排污") == []

    # What people call it (keywords).
    assert page_codes(client, "开公司")[0] == "biz-company-setup"

    # The API searches the same way.
    response = api_client.get(API_URL, {"search": "公积金 提取"})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {
        "fund-withdraw-purchase",
        "fund-withdraw-rent",
        "fund-withdraw-retirement",
    }
