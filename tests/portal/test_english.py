"""The portal in English: chosen with the language switch (kept in the language cookie) or by
the browser's Accept-Language; Chinese when nothing is asked. Papers (PDFs) stay Chinese."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.cases import conftest as case_fixtures
from tests.documents.conftest import pdf_text, squeeze
from tests.factories import BoardFactory

pytestmark = pytest.mark.django_db

# The case fixtures, shared with tests/cases (a conftest there is not seen here).
housing = case_fixtures.housing
tax = case_fixtures.tax
matter = case_fixtures.matter
clerk = case_fixtures.clerk
make_case = case_fixtures.make_case

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def english_client() -> Client:
    """A browser whose language switch was set to English (the cookie set_language sets)."""
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    return client


def test_the_home_page_is_chinese_when_nothing_is_asked(client):
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-CN"' in page
    assert "搜索办事事项" in page and "我的办件" not in page
    assert "Search matters" not in page
    # The switch offers English, labelled in English.
    assert 'name="language" value="en"' in page and ">English<" in page


@pytest.mark.parametrize("how", ["accept-language", "switch"])
def test_the_home_page_in_english(how):
    client = english_client() if how == "switch" else Client(**EN)
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en"' in page
    assert "Search matters" in page and "Popular matters" in page
    assert "At most one trip · Online service hall" in page
    assert "搜索办事事项" not in page and "高频事项" not in page
    # The switch now offers Chinese, labelled in Chinese.
    assert 'name="language" value="zh-hans"' in page and ">简体中文<" in page


def test_the_switch_persists_and_wins_over_accept_language():
    client = english_client()
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 300 * 24 * 3600
    # Another page, later: still English, even if the browser prefers Chinese.
    page = client.get(reverse("matters:matter-list"), HTTP_ACCEPT_LANGUAGE="zh-CN").content
    assert "Find a matter" in page.decode()

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("home"), **EN).content.decode()
    assert "搜索办事事项" in page


def test_the_switch_goes_back_to_the_page_it_was_on_and_never_off_site(client):
    guide = reverse("matters:matter-list") + "?search=bdc"
    response = client.post(reverse("set_language"), {"language": "en", "next": guide})
    assert response["Location"] == guide
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_page_answering_a_post_switches_back_to_the_page_the_form_was_on(client, citizen):
    # A refused sign-in answers the POST at the login address: the switch must not send the
    # browser to a POST-only address; it goes back to the Referer instead.
    login = reverse("accounts:login")
    page = client.post(login, {"username": "nobody", "password": "x"}).content.decode()
    form = page[page.index('class="inline-form lang-switch"') :]
    form = form[: form.index("</form>")]
    assert 'name="next"' not in form
    on_get = client.get(reverse("home")).content.decode()
    assert 'name="next" value="/"' in on_get
    response = client.post(
        reverse("set_language"), {"language": "en"}, HTTP_REFERER="http://testserver/matters/"
    )
    assert response["Location"] == "http://testserver/matters/"


def test_a_language_we_do_not_have_falls_back_to_chinese(client):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "搜索办事事项" in page


def test_the_matter_guide_in_english(client, matter):
    page = client.get(reverse("matters:matter-detail", args=[matter.code]), **EN).content.decode()
    assert "List of materials" in page and "Legal time limit" in page
    assert "20 working days" in page
    assert "申请材料清单" not in page and "法定时限" not in page


def test_the_desk_in_english(clerk):
    client = Client(**EN)
    client.force_login(clerk)
    page = client.get(reverse("windows:desk-home")).content.decode()
    assert "Online applications awaiting acceptance" in page and "Find an applicant" in page
    assert "网上申请待受理" not in page


def test_the_kiosk_and_the_board_in_english():
    BoardFactory(code="realty", name="不动产登记")
    kiosk = english_client().get(reverse("queue:kiosk")).content.decode()
    assert "Take a ticket" in kiosk and "Appointment check-in" in kiosk
    assert "现场取号" not in kiosk
    board = Client(**EN).get(reverse("queue:board")).content.decode()
    assert '<html lang="en"' in board and "Queue display" in board
    assert "叫号屏" not in board


def test_api_errors_in_english(matter, citizen):
    client = Client(**EN)
    client.force_login(citizen)
    response = client.post("/api/v1/cases/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "Please choose a matter or a bundle." in response.content.decode()

    response = Client(**EN).get("/api/v1/track/20260101-99999/", {"id_last4": "1234"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No matching case.")
    chinese = Client().get("/api/v1/track/20260101-99999/", {"id_last4": "1234"})
    assert chinese.json()["detail"].startswith("未找到匹配的办件")


def test_the_printed_guide_stays_chinese_for_an_english_reader(matter):
    pdf = Client(**EN).get(reverse("documents:matter-guide", args=[matter.code]))
    assert pdf.status_code == 200
    text = squeeze(pdf_text(pdf.content))
    assert "行政许可" in text and "承诺件" in text
    assert "Administrativelicensing" not in text and "Promised" not in text


def test_papers_stay_chinese_when_made_and_read_in_english(make_case, citizen):
    # A clerk working in English accepts the case (the receipt's content is taken then) …
    with translation.override("en"):
        case = make_case("in_review")
    receipt = case.documents.get(kind="receipt")
    assert receipt.title == "受理通知书"
    # … and the applicant, reading in English, sees what it is and downloads it.
    client = Client(**EN)
    client.force_login(citizen)
    page = client.get(reverse("cases:case-detail", args=[case.number])).content.decode()
    assert 'Notice of acceptance <span lang="zh-CN">(受理通知书)</span>' in page
    assert "PDF (in Chinese)" in page
    response = client.get(reverse("documents:document-download", args=[case.number, "receipt"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = squeeze(pdf_text(b"".join(response.streaming_content)))
    assert "受理通知书" in text
    assert "Notice" not in text


def test_a_case_history_made_by_staff_working_in_english_stays_chinese(make_case, citizen):
    from cases.services import rating_create

    with translation.override("en"):
        deferred = make_case("in_review", deferred=True)
        completed = make_case("closed")
        rating_create(case=completed, by=citizen, score=5)
    notes = list(deferred.events.values_list("note", flat=True)) + list(
        completed.events.values_list("note", flat=True)
    )
    assert any(note.startswith("容缺受理：") for note in notes)
    assert "评价：非常满意" in notes
    assert not any("Accepted" in n or "Rating" in n or "satisfied" in n for n in notes)
