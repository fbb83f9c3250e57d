"""The outbox in the admin: superusers run it; supervisors read it, masked, and change nothing."""

import pytest

from notices.models import Notice, NoticeAttempt, NoticeStatus
from notices.services import notice_send
from tests.factories import UserFactory

from .test_sending import sms

pytestmark = pytest.mark.django_db

PHONE = "13800001111"


@pytest.fixture
def failed(test_sms) -> Notice:
    test_sms.reset(script=["permanent"])
    notice = sms(phone=PHONE)
    notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    return notice


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_a_supervisor_reads_the_outbox_with_phones_masked(supervisor_client, failed):
    index = supervisor_client.get("/admin/")
    assert "/admin/notices/notice/" in index.content.decode()
    page = supervisor_client.get("/admin/notices/notice/")
    assert page.status_code == 200
    assert [row.pk for row in page.context["cl"].result_list] == [failed.pk]
    html = page.content.decode()
    assert "138****1111" in html and PHONE not in html

    detail = supervisor_client.get(f"/admin/notices/notice/{failed.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "138****1111" in html and PHONE not in html
    assert "invalid number" in html  # the attempt and what the gateway said


def test_a_supervisor_sees_e_mail_addresses_masked(supervisor_client, db):
    notice = Notice.objects.create(
        key="k",
        channel="email",
        recipient_key="zhangsan@example.cn",
        address="zhangsan@example.cn",
        template="case_submitted",
        text="t",
    )
    for url in ("/admin/notices/notice/", f"/admin/notices/notice/{notice.pk}/change/"):
        html = supervisor_client.get(url).content.decode()
        assert "zh***@example.cn" in html and "zhangsan@" not in html


def test_a_supervisor_can_neither_resend_nor_change_nor_delete(supervisor_client, failed):
    page = supervisor_client.get("/admin/notices/notice/")
    assert "resend" not in page.content.decode()
    answer = supervisor_client.post(
        "/admin/notices/notice/", {"action": "resend", "_selected_action": [failed.pk]}
    )
    assert answer.status_code in (200, 302)
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.FAILED and failed.attempts == 1
    assert NoticeAttempt.objects.filter(notice=failed).count() == 1
    assert supervisor_client.get(f"/admin/notices/notice/{failed.pk}/delete/").status_code == 403
    assert (
        supervisor_client.post(
            f"/admin/notices/notice/{failed.pk}/change/", {"text": "x"}
        ).status_code
        == 403
    )
    assert Notice.objects.get(pk=failed.pk).text == failed.text


@pytest.mark.parametrize("role", ["clerk", "approver", "catalog_admin"])
def test_other_staff_may_not_open_the_outbox(client, failed, role):
    client.force_login(UserFactory(is_staff=True, initial_roles=(role,)))
    assert client.get("/admin/notices/notice/").status_code == 403
    assert client.get(f"/admin/notices/notice/{failed.pk}/change/").status_code == 403
    assert "/admin/notices/notice/" not in client.get("/admin/").content.decode()


def test_a_citizen_is_sent_to_the_login(client, citizen, failed):
    client.force_login(citizen)
    answer = client.get("/admin/notices/notice/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_a_supervisor_who_is_not_staff_any_more_is_refused(client, failed):
    client.force_login(UserFactory(is_staff=False, initial_roles=("supervisor",)))
    assert client.get("/admin/notices/notice/").status_code == 302


def test_the_superuser_still_sees_the_number_and_resends(admin_client, failed):
    detail = admin_client.get(f"/admin/notices/notice/{failed.pk}/change/")
    assert PHONE in detail.content.decode()
    assert "resend" in admin_client.get("/admin/notices/notice/").content.decode()


def test_an_error_naming_the_address_is_masked_for_a_supervisor(supervisor_client, admin_client):
    notice = Notice.objects.create(
        key="k",
        channel="email",
        recipient_key="zhangsan@example.cn",
        address="zhangsan@example.cn",
        template="case_submitted",
        text="t",
        status=NoticeStatus.FAILED,
        attempts=1,
        last_error="(550, 'zhangsan@example.cn: Recipient address rejected')",
    )
    NoticeAttempt.objects.create(notice=notice, ok=False, error=notice.last_error)
    url = f"/admin/notices/notice/{notice.pk}/change/"
    html = supervisor_client.get(url).content.decode()
    assert "zh***@example.cn: Recipient address rejected" in html
    assert "zhangsan@" not in html
    assert "zhangsan@example.cn: Recipient" in admin_client.get(url).content.decode()
