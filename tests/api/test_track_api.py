"""Public tracking (``/api/v1/track/{number}/?id_last4=``): masked, tells nothing on a wrong
pair, rate-limited."""

import pytest

from cases import services
from cases.models import Case
from tests.factories import UserFactory
from tests.throttles import set_rates

pytestmark = pytest.mark.django_db


def track(client, number: str, last4: str | None):
    params = {} if last4 is None else {"id_last4": last4}
    return client.get(f"/api/v1/track/{number}/", params)


@pytest.fixture
def rate(settings):
    """Set the ``track`` rate (read on each request)."""

    def set_rate(value: str) -> None:
        set_rates(settings, track=value)

    return set_rate


def test_the_right_pair_shows_masked_progress(api_client, citizen, build_case):
    case = build_case("in_review")

    response = track(api_client, case.number, citizen.id_number[-4:])

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert body["status"] == "in_review"
    assert body["matter"] == "不动产转移登记"
    id_number, phone = citizen.id_number, citizen.phone
    assert body["applicant"] == {
        "kind": "person",
        "name": "李*",
        "id_number": id_number[:3] + "*" * 11 + id_number[-4:],
        "phone": phone[:3] + "****" + phone[-4:],
    }
    assert [step["to_status"] for step in body["timeline"]] == ["draft", "submitted", "in_review"]
    assert all({"to_status", "label", "at"} <= set(step) for step in body["timeline"])
    text = response.content.decode()
    assert id_number not in text and phone not in text and "李四" not in text


def test_the_timeline_has_no_staff_notes_or_names(
    api_client, citizen, housing_approver, clerk, build_case
):
    case = build_case("in_review")
    services.extension_request(case=case, by=housing_approver, days=2, reason="内部：需核查。")

    body = track(api_client, case.number, citizen.id_number[-4:]).json()

    text = str(body)
    assert "内部" not in text
    assert housing_approver.name not in text and clerk.name not in text
    assert all(set(step) == {"to_status", "label", "at"} for step in body["timeline"])


def test_last4_is_case_insensitive_and_trimmed(api_client, matter):
    owner = UserFactory(citizen=True, id_number="33010219900307006X")
    case = services.case_create(
        by=owner,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name="王五", phone=owner.phone, id_number=owner.id_number
        ),
    )
    Case.objects.filter(pk=case.pk).update(status="submitted")

    assert track(api_client, case.number, "006x").status_code == 200
    assert track(api_client, case.number, " 006X ").status_code == 200


def test_a_company_tracks_with_its_credit_code(api_client, company, matter):
    case = services.case_create(
        by=company,
        matter=matter,
        applicant=services.Applicant(
            kind="company", name=company.name, phone=company.phone, credit_code=company.credit_code
        ),
    )
    services.case_withdraw(case=case, by=company)

    response = track(api_client, case.number, company.credit_code[-4:])

    assert response.status_code == 200
    body = response.json()
    # A company's name is public; its credit code and phone are still masked.
    assert body["applicant"]["name"] == company.name
    assert body["applicant"]["credit_code"].endswith(company.credit_code[-4:])
    assert company.credit_code not in response.content.decode()


def test_a_wrong_pair_and_a_missing_case_look_the_same(api_client, citizen, build_case):
    case = build_case("submitted")
    right = citizen.id_number[-4:]
    wrong = "0000" if right != "0000" else "1111"

    answers = [
        track(api_client, case.number, wrong),
        track(api_client, "20000101-99999", right),
        track(api_client, case.number, ""),
        track(api_client, case.number, None),
        track(api_client, case.number, right[1:]),
        track(api_client, case.number, citizen.id_number[-5:]),
    ]

    assert {response.status_code for response in answers} == {404}
    assert len({response.content for response in answers}) == 1
    body = answers[0].json()
    assert body["code"] == "not_found"
    assert "办件编号" in body["detail"]


def test_a_draft_is_not_tracked(api_client, citizen, build_case):
    draft = build_case("draft")
    missing = track(api_client, "20000101-99999", "1234")

    response = track(api_client, draft.number, citizen.id_number[-4:])

    assert response.status_code == 404
    assert response.content == missing.content


def test_signed_in_users_get_the_same_public_view(client_for, clerk, citizen, build_case):
    case = build_case("in_review")

    for user in (citizen, clerk):
        body = track(client_for(user), case.number, citizen.id_number[-4:]).json()
        assert body["applicant"]["name"] == "李*"


def test_tracking_is_rate_limited(api_client, citizen, build_case, rate):
    rate("3/minute")
    case = build_case("submitted")
    right = citizen.id_number[-4:]

    answers = [
        track(api_client, case.number, right),
        track(api_client, case.number, "0000"),
        track(api_client, "20000101-99999", right),
        track(api_client, case.number, right),
    ]

    assert [response.status_code for response in answers] == [200, 404, 404, 429]
    body = answers[-1].json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert int(answers[-1]["Retry-After"]) > 0


def test_the_limit_is_per_client_address(api_client, citizen, build_case, rate):
    rate("2/minute")
    case = build_case("submitted")
    right = citizen.id_number[-4:]

    for _attempt in range(2):
        assert track(api_client, case.number, right).status_code == 200
    assert track(api_client, case.number, right).status_code == 429
    other = api_client.get(
        f"/api/v1/track/{case.number}/", {"id_last4": right}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200


def test_the_default_rate_lets_a_person_check_a_few_times(api_client, citizen, build_case):
    case = build_case("submitted")

    answers = [track(api_client, case.number, citizen.id_number[-4:]) for _ in range(5)]

    assert {response.status_code for response in answers} == {200}
