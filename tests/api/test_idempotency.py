"""``Idempotency-Key`` on ``POST /api/v1/cases/``: a repeat replays the first answer."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import IdempotencyKey
from cases.models import Case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def body_for(user, matter, **extra) -> dict:
    return {
        "matter": matter.code,
        "applicant": {
            "kind": "person",
            "name": user.name,
            "id_number": user.id_number,
            "phone": user.phone,
        },
        **extra,
    }


def post(client, body: dict, key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(CASES, body, format="json", headers=headers)


def test_a_repeat_replays_the_first_answer(client_for, citizen, matter):
    client = client_for(citizen)
    body = body_for(citizen, matter)

    first = post(client, body, "k-1")
    second = post(client, body, "k-1")

    assert first.status_code == second.status_code == 201
    assert Case.objects.count() == 1
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first


def test_without_a_key_every_post_acts(client_for, citizen, matter):
    client = client_for(citizen)
    body = body_for(citizen, matter)

    numbers = {post(client, body, None).json()["number"] for _ in range(2)}

    assert len(numbers) == 2
    assert not IdempotencyKey.objects.exists()


def test_another_key_is_another_case(client_for, citizen, matter):
    client = client_for(citizen)
    body = body_for(citizen, matter)

    first, second = post(client, body, "k-1"), post(client, body, "k-2")

    assert first.json()["number"] != second.json()["number"]
    assert Case.objects.count() == 2


def test_the_same_key_with_another_body_is_422(client_for, citizen, matter):
    client = client_for(citizen)
    post(client, body_for(citizen, matter), "k-1")

    other = post(client, body_for(citizen, matter, delivery={"method": "pickup"}), "k-1")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["detail"]
    assert Case.objects.count() == 1


def test_keys_belong_to_their_user(client_for, citizen, other_citizen, matter):
    mine = post(client_for(citizen), body_for(citizen, matter), "shared")
    theirs = post(client_for(other_citizen), body_for(other_citizen, matter), "shared")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert Case.objects.filter(owner=citizen).count() == 1
    assert Case.objects.filter(owner=other_citizen).count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"applicant": {"kind": "person", "name": "李四", "id_number": "1", "phone": "2"}},
        {"matter": "no-such-matter"},
        {"matter": ""},
    ],
)
def test_a_refused_request_does_not_consume_the_key(client_for, citizen, matter, bad):
    client = client_for(citizen)
    good = body_for(citizen, matter)

    refused = post(client, {**good, **bad}, "k-1")
    accepted = post(client, good, "k-1")
    replayed = post(client, good, "k-1")

    assert refused.status_code == 400
    assert accepted.status_code == 201
    assert "Idempotent-Replayed" not in accepted
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == accepted.json()
    assert Case.objects.count() == 1


def test_a_key_too_long_is_refused(client_for, citizen, matter):
    response = post(client_for(citizen), body_for(citizen, matter), "k" * 101)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Case.objects.exists()


def test_anonymous_is_refused_before_any_key_is_kept(api_client, citizen, matter):
    response = post(api_client, body_for(citizen, matter), "k-1")

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def post_together(user, body: dict, key: str) -> list:
    """Two POSTs with the same key from two threads, each with its own client and connection,
    released at the same moment; their answers (or exceptions)."""
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def send(index: int) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            answers[index] = post(client, body, key)
        except Exception as error:
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_posts_with_one_key_create_one_case(citizen, matter):
    if connection.vendor != "postgresql":
        pytest.skip("the unique index's wait is what is tested: PostgreSQL only")
    body = body_for(citizen, matter)
    for attempt in range(3):
        answers = post_together(citizen, body, f"race-{attempt}")

        assert [getattr(a, "status_code", a) for a in answers] == [201, 201]
        numbers = {answer.json()["number"] for answer in answers}
        assert len(numbers) == 1
        assert Case.objects.filter(number__in=numbers).count() == 1
        assert sorted(answer.get("Idempotent-Replayed", "") for answer in answers) == ["", "true"]
        assert answers[0].json() == answers[1].json()
    assert Case.objects.count() == 3
    assert IdempotencyKey.objects.filter(user=citizen).count() == 3
