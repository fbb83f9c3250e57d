"""消息中心: the in-portal messages have a page, the navigation counts the unread ones, and
the API lists unread messages and marks them read — each person only their own."""

import pytest
from django.urls import reverse

from notices.models import Channel, Notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("messages:message-centre")


def inbox_notice(user, n: int, **fields) -> Notice:
    return Notice.objects.create(
        key=f"test:{user.pk}:{n}",
        channel=Channel.INBOX,
        recipient=user,
        recipient_key=str(user.pk),
        template="case_accepted",
        subject=f"办件已受理 {n}",
        text=f"您的办件 OT{n:04d} 已受理。",
        **fields,
    )


@pytest.fixture
def citizen():
    return UserFactory(citizen=True)


def test_the_page_lists_own_messages_and_the_navigation_counts_unread(client, citizen):
    other = UserFactory(citizen=True)
    for n in range(3):
        inbox_notice(citizen, n)
    inbox_notice(other, 99)
    Notice.objects.create(
        key="sms",
        channel=Channel.SMS,
        recipient=citizen,
        recipient_key="x",
        text="短信不进消息中心",
    )
    client.force_login(citizen)

    home = client.get(reverse("home")).content.decode()
    assert f'href="{PAGE}"' in home
    assert '<span class="nav-badge">3<span class="visually-hidden">条未读</span></span>' in home

    page = client.get(PAGE).content.decode()
    assert all(f"办件已受理 {n}" in page for n in range(3))
    assert page.count("新消息") == 3
    assert "OT0099" not in page and "短信不进消息中心" not in page

    # Shown once: read now; the badge is gone, the messages stay.
    home = client.get(reverse("home")).content.decode()
    assert "nav-badge" not in home
    again = client.get(PAGE).content.decode()
    assert "办件已受理 0" in again and "新消息" not in again


def test_the_page_needs_sign_in_and_pages_by_twenty(client, citizen):
    assert client.get(PAGE).status_code == 302
    for n in range(25):
        inbox_notice(citizen, n)
    client.force_login(citizen)

    first = client.get(PAGE).content.decode()
    assert "第 1 页，共 2 页" in first
    assert first.count("message-item__text") == 20
    # Only what was shown was marked read.
    assert Notice.objects.filter(recipient=citizen, read_at__isnull=True).count() == 5


def test_the_page_reads_a_constant_number_of_queries(
    client, citizen, django_assert_max_num_queries
):
    for n in range(20):
        inbox_notice(citizen, n)
    client.force_login(citizen)
    with django_assert_max_num_queries(8):
        assert client.get(PAGE).status_code == 200


def test_the_api_lists_unread_and_marks_read_only_own(api_client, citizen):
    other = UserFactory(citizen=True)
    mine = [inbox_notice(citizen, n) for n in range(3)]
    theirs = inbox_notice(other, 9)
    api_client.force_authenticate(citizen)

    unread = api_client.get("/api/v1/notices/", {"unread": "true"}).json()
    assert unread["count"] == 3
    assert all(row["read"] is None for row in unread["results"])

    answer = api_client.post(
        "/api/v1/notices/read/", {"ids": [mine[0].pk, theirs.pk]}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json() == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None

    assert api_client.post("/api/v1/notices/read/", {}, format="json").json() == {
        "marked": 2,
        "unread": 0,
    }
    listed = api_client.get("/api/v1/notices/").json()["results"]
    assert all(row["read"] for row in listed)


def test_marking_read_refuses_bad_ids_with_a_field_error(api_client, citizen):
    api_client.force_authenticate(citizen)
    response = api_client.post("/api/v1/notices/read/", {"ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()
