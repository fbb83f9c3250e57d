"""Public tracking at /track/: number + last 4 of the identity; masked; one answer for every
wrong pair; rate-limited per client address."""

import re
from html import unescape

import pytest
from django.urls import reverse

from accounts.identity import mask_id_number
from cases import services
from cases.views.track import TRACK_NOT_FOUND
from tests.caches import clear_cache
from tests.factories import UserFactory

from .conftest import pdf, requirement

pytestmark = pytest.mark.django_db
URL = reverse("cases:track")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The limiter counts in the default cache, which may be a Redis shared across tests.
    clear_cache()
    yield
    clear_cache()


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def answer_of(response) -> str:
    """What the page says about the query: the result, or its error summary."""
    html = response.content.decode()
    match = re.search(r'id="form-errors">(.*?)</div>', html, re.S)
    if match is None:
        return ""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def test_the_form_is_public_and_keeps_a_given_number(client):
    response = client.get(URL, {"number": "20260310-00001"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="20260310-00001"' in html
    assert 'name="id_last4"' in html
    assert 'for="id_id_last4"' in html


def test_the_right_pair_shows_status_and_timeline_masked(client, citizen, make_case):
    case = make_case("in_review")
    response = client.post(URL, {"number": case.number, "id_last4": citizen.id_number[-4:]})
    assert response.status_code == 200
    page = text_of(response)
    assert case.number in page
    assert "审查中" in page
    assert "已提交" in page  # the timeline
    assert mask_id_number(citizen.id_number) in page
    assert citizen.id_number not in page
    assert "李*" in page
    assert citizen.name not in page.replace("李*", "")
    assert citizen.phone not in page


def test_the_last_four_are_case_insensitive_and_trimmed(client, make_case, citizen):
    case = make_case("submitted")
    response = client.post(
        URL, {"number": f" {case.number} ", "id_last4": citizen.id_number[-4:].lower()}
    )
    assert response.status_code == 200
    assert "已提交" in text_of(response)


def test_a_company_tracks_by_its_credit_code(client, company, matter):
    case = services.case_create(
        by=company,
        matter=matter,
        applicant=services.Applicant(
            kind="company", name=company.name, phone=company.phone, credit_code=company.credit_code
        ),
    )
    services.material_upload(
        case=case, by=company, requirement_id=requirement(case, "居民身份证"), upload=pdf()
    )
    services.case_submit(case=case, by=company)
    response = client.post(URL, {"number": case.number, "id_last4": company.credit_code[-4:]})
    assert response.status_code == 200
    assert company.name in text_of(response)  # a company's name is public
    assert company.credit_code not in text_of(response)


def test_a_wrong_pair_says_the_same_whether_or_not_the_case_exists(client, make_case, citizen):
    case = make_case("submitted")
    draft = make_case()
    last4 = citizen.id_number[-4:]
    wrong = "0000" if last4 != "0000" else "1111"
    answers = [
        client.post(URL, {"number": case.number, "id_last4": wrong}),
        client.post(URL, {"number": "20990101-99999", "id_last4": last4}),
        client.post(URL, {"number": draft.number, "id_last4": last4}),  # drafts are private
    ]
    assert {response.status_code for response in answers} == {400}
    assert len({answer_of(response) for response in answers}) == 1
    assert str(TRACK_NOT_FOUND) in answer_of(answers[0])
    # Nothing of the case leaks into the answer.
    for response in answers:
        assert "已提交" not in text_of(response)
        assert mask_id_number(citizen.id_number) not in text_of(response)


def test_missing_fields_are_asked_for(client):
    response = client.post(URL, {"number": "", "id_last4": "12"})
    assert response.status_code == 400
    answer = answer_of(response)
    assert "请填写办件编号" in answer
    assert "请填写证件号码的最后4位" in answer


def test_guesses_are_limited_per_client_address(client, make_case, citizen):
    case = make_case("submitted")
    for _ in range(10):
        response = client.post(
            URL, {"number": case.number, "id_last4": "0000"}, REMOTE_ADDR="10.0.0.1"
        )
        assert response.status_code == 400
    response = client.post(
        URL,
        {"number": case.number, "id_last4": citizen.id_number[-4:]},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429
    assert "查询过于频繁" in text_of(response)
    assert "已提交" not in text_of(response)
    # Another address is not held back; reading the form is never limited.
    assert client.get(URL, REMOTE_ADDR="10.0.0.1").status_code == 200
    response = client.post(
        URL,
        {"number": case.number, "id_last4": citizen.id_number[-4:]},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 200


def test_the_limit_follows_the_track_rate_setting(client, make_case, citizen, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"track": "2/minute"},
    }
    case = make_case("submitted")
    data = {"number": case.number, "id_last4": citizen.id_number[-4:]}
    assert client.post(URL, data).status_code == 200
    assert client.post(URL, data).status_code == 200
    assert client.post(URL, data).status_code == 429


def test_tracking_runs_a_few_queries(client, make_case, citizen, django_assert_max_num_queries):
    case = make_case("in_review")
    UserFactory(citizen=True)
    with django_assert_max_num_queries(3):
        response = client.post(URL, {"number": case.number, "id_last4": citizen.id_number[-4:]})

    # The ceiling holds for the page that answers, not for a refusal that reads less.
    assert response.status_code == 200
    page = text_of(response)
    assert case.number in page and "审查中" in page and "已提交" in page
