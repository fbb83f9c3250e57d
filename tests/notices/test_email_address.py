"""E-mail as a channel: a citizen sets an address, confirms it through a signed, expiring link
e-mailed to it, and only then gets notices there (for templates with an e-mail version).

Mail goes through the real outbox and sending task into Django's locmem backend
(``mailoutbox``).
"""

import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from notices.models import EmailAddress, Notice
from notices.services import EMAIL_CONFIRM_SALT
from notices.tasks import send_notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "li.si@example.cn"


def send_all() -> None:
    """What the worker does after commit: the real task, for every pending notice."""
    for pk in Notice.objects.filter(status="pending").values_list("pk", flat=True):
        send_notice.apply(args=[pk])


def request_address(client, email: str = ADDRESS):
    return client.post("/accounts/email/", {"email": email})


def link_in(mail) -> str:
    return re.search(r"https?://\S+(/accounts/email/confirm/\S+/)", mail.body).group(1)


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def confirmation_link(citizen_client, mailoutbox) -> str:
    assert request_address(citizen_client).status_code == 302
    send_all()
    return link_in(mailoutbox[-1])


def confirmed(user) -> str:
    return EmailAddress.objects.filter(user=user).values_list("email", flat=True).first() or ""


# Setting and confirming ---------------------------------------------------------------------


def test_a_citizen_sets_an_address_and_confirms_it_through_the_mailed_link(
    citizen_client, citizen, mailoutbox
):
    page = citizen_client.get("/accounts/email/")
    assert page.status_code == 200 and "发送确认邮件" in page.content.decode()
    assert "/accounts/email/" in citizen_client.get("/accounts/profile/").content.decode()

    answer = request_address(citizen_client)
    assert answer.status_code == 302
    assert EmailAddress.objects.get(user=citizen).pending_email == ADDRESS
    assert confirmed(citizen) == ""
    send_all()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [ADDRESS] and mail.subject == "请确认您的电子邮箱"
    link = link_in(mail)
    assert "48小时内有效" in mail.body

    # Opening the link shows a button; only the button confirms.
    shown = citizen_client.get(link)
    assert shown.status_code == 200 and "确认此邮箱" in shown.content.decode()
    assert confirmed(citizen) == ""
    done = citizen_client.post(link, follow=True)
    assert done.status_code == 200
    assert confirmed(citizen) == ADDRESS
    assert "已确认" in done.content.decode()
    address = EmailAddress.objects.get(user=citizen)
    assert address.pending_email == "" and address.confirmed_at is not None
    assert ADDRESS in citizen_client.get("/accounts/profile/").content.decode()
    # Once more: nothing changes, no error.
    assert citizen_client.post(link).status_code == 302
    assert confirmed(citizen) == ADDRESS


def test_the_link_is_for_the_account_that_asked_only(citizen_client, confirmation_link):
    other = UserFactory(citizen=True)
    client = Client()
    client.force_login(other)
    answer = client.post(confirmation_link)
    assert answer.status_code == 403
    assert "不属于当前登录的账户" in answer.content.decode()
    assert not EmailAddress.objects.filter(user=other).exists()
    assert not EmailAddress.objects.exclude(email="").exists()


def test_signed_out_the_link_asks_to_sign_in_first(confirmation_link):
    client = Client()
    answer = client.post(confirmation_link)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert client.get("/accounts/email/").status_code == 302
    assert not EmailAddress.objects.exclude(email="").exists()


def test_an_expired_link_is_refused(citizen_client, citizen, confirmation_link, settings):
    settings.EMAIL_CONFIRM_MAX_AGE = -1
    answer = citizen_client.post(confirmation_link)
    assert answer.status_code == 400 and "已过期" in answer.content.decode()
    assert confirmed(citizen) == ""


def test_a_forged_or_altered_link_is_refused(citizen_client, citizen, confirmation_link):
    token = confirmation_link.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps({"u": citizen.pk, "e": "evil@example.cn", "t": "x"}, salt="other")
    for bad in (token[:-2] + "xx", forged, "not-a-token"):
        answer = citizen_client.post(f"/accounts/email/confirm/{bad}/")
        assert answer.status_code == 400 and "确认链接无效" in answer.content.decode()
    assert confirmed(citizen) == ""


def test_a_link_of_an_earlier_request_no_longer_confirms(citizen_client, citizen, mailoutbox):
    request_address(citizen_client, "first@example.cn")
    send_all()
    first = link_in(mailoutbox[-1])
    request_address(citizen_client, "second@example.cn")
    send_all()
    second = link_in(mailoutbox[-1])

    answer = citizen_client.post(first)
    assert answer.status_code == 400 and "已失效" in answer.content.decode()
    assert confirmed(citizen) == ""
    citizen_client.post(second)
    assert confirmed(citizen) == "second@example.cn"


def test_a_token_signed_for_a_stale_request_time_is_refused(citizen_client, citizen, mailoutbox):
    request_address(citizen_client)
    stale = signing.dumps(
        {"u": citizen.pk, "e": ADDRESS, "t": timezone.now().isoformat()}, salt=EMAIL_CONFIRM_SALT
    )
    assert citizen_client.post(f"/accounts/email/confirm/{stale}/").status_code == 400
    assert confirmed(citizen) == ""


def test_a_bad_address_is_answered_on_the_page(citizen_client, citizen):
    answer = request_address(citizen_client, "not an address")
    assert answer.status_code == 400
    assert "电子邮箱" in answer.content.decode()
    assert not EmailAddress.objects.filter(user=citizen).exists()
    assert not Notice.objects.exists()


def test_confirmation_mails_are_limited_per_day(citizen_client, citizen, settings):
    settings.EMAIL_CONFIRM_DAILY_LIMIT = 2
    assert request_address(citizen_client, "a@example.cn").status_code == 302
    assert request_address(citizen_client, "b@example.cn").status_code == 302
    answer = request_address(citizen_client, "c@example.cn")
    assert answer.status_code == 400 and "已达上限" in answer.content.decode()
    assert Notice.objects.filter(template="email_confirm").count() == 2
    assert EmailAddress.objects.get(user=citizen).pending_email == "b@example.cn"


def test_re_entering_the_confirmed_address_sends_nothing(
    citizen_client, citizen, confirmation_link
):
    citizen_client.post(confirmation_link)
    answer = request_address(citizen_client, ADDRESS.upper().replace("EXAMPLE.CN", "example.cn"))
    assert answer.status_code == 400 and "已确认" in answer.content.decode()
    assert Notice.objects.filter(template="email_confirm").count() == 1


# Which notices go by e-mail -----------------------------------------------------------------


def test_case_notices_go_to_the_confirmed_address_only(
    citizen_client, citizen, make_case, mailoutbox
):
    citizen.email = "account-field@example.cn"  # never confirmed: never used
    citizen.save(update_fields=["email"])
    make_case("submitted")
    send_all()
    assert mailoutbox == []
    assert not Notice.objects.filter(channel="email").exists()

    request_address(citizen_client)
    send_all()
    citizen_client.post(link_in(mailoutbox[-1]))
    mailoutbox.clear()
    case = make_case("submitted")
    send_all()
    assert [mail.to for mail in mailoutbox] == [[ADDRESS]]
    mail = mailoutbox[0]
    assert mail.subject == "办件已提交"
    assert case.number in mail.body
    assert "我的账户 → 电子邮箱" in mail.body  # the e-mail version, with its footer
    assert Notice.objects.get(channel="email", template="case_submitted").status == "sent"


def test_a_new_address_waits_for_its_confirmation_the_old_one_keeps_working(
    citizen_client, citizen, confirmation_link, make_case, mailoutbox
):
    citizen_client.post(confirmation_link)
    request_address(citizen_client, "new@example.cn")
    mailoutbox.clear()
    make_case("submitted")
    send_all()
    case_mails = [mail for mail in mailoutbox if mail.subject == "办件已提交"]
    assert [mail.to for mail in case_mails] == [[ADDRESS]]


def test_notices_without_an_e_mail_version_are_not_mailed(citizen, approver, mailoutbox):
    from notices.services import notice_create

    EmailAddress.objects.create(user=approver, email="a@example.cn", confirmed_at=timezone.now())
    made = notice_create(
        key="k",
        channel="email",
        template="review_assigned",
        context={"hall": "h", "number": "1", "matter": "m", "department": "d"},
        recipient=approver,
    )
    assert made is None


def test_stopping_e_mail_notices(citizen_client, citizen, confirmation_link, make_case, mailoutbox):
    citizen_client.post(confirmation_link)
    assert citizen_client.post("/accounts/email/remove/").status_code == 302
    mailoutbox.clear()
    make_case("submitted")
    send_all()
    assert mailoutbox == []
    assert citizen_client.get("/accounts/email/remove/").status_code == 405


# The API ------------------------------------------------------------------------------------


def token_of(mail) -> str:
    return link_in(mail).rstrip("/").rsplit("/", 1)[1]


def test_the_api_sets_and_confirms_an_address(citizen_api, citizen, mailoutbox):
    empty = citizen_api.get("/api/v1/me/email/")
    assert empty.status_code == 200 and empty.json()["email"] == ""
    asked = citizen_api.post("/api/v1/me/email/", {"email": ADDRESS}, format="json")
    assert asked.status_code == 202
    assert asked.json()["pending_email"] == ADDRESS and asked.json()["email"] == ""
    send_all()
    token = token_of(mailoutbox[-1])
    done = citizen_api.post("/api/v1/me/email/confirm/", {"token": token}, format="json")
    assert done.status_code == 200
    assert done.json()["email"] == ADDRESS and done.json()["pending_email"] == ""
    assert confirmed(citizen) == ADDRESS
    again = citizen_api.post("/api/v1/me/email/", {"email": ADDRESS}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_confirmed"
    assert citizen_api.delete("/api/v1/me/email/").status_code == 204
    assert confirmed(citizen) == ""


def test_the_api_refuses_what_the_page_refuses(citizen_api, citizen, api_client, mailoutbox):
    assert api_client.get("/api/v1/me/email/").status_code in (401, 403)
    assert api_client.post("/api/v1/me/email/", {"email": ADDRESS}, format="json").status_code in (
        401,
        403,
    )
    bad = citizen_api.post("/api/v1/me/email/", {"email": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "email" in bad.json()
    citizen_api.post("/api/v1/me/email/", {"email": ADDRESS}, format="json")
    send_all()
    token = token_of(mailoutbox[-1])

    forged = citizen_api.post("/api/v1/me/email/confirm/", {"token": token + "x"}, format="json")
    assert forged.status_code == 400 and forged.json()["code"] == "invalid"
    other = APIClient()
    other.force_authenticate(UserFactory(citizen=True))
    theirs = other.post("/api/v1/me/email/confirm/", {"token": token}, format="json")
    assert theirs.status_code == 403 and theirs.json()["code"] == "not_yours"
    assert confirmed(citizen) == ""


def test_the_api_limits_confirmation_mails(citizen_api, settings):
    settings.EMAIL_CONFIRM_DAILY_LIMIT = 1
    first = citizen_api.post("/api/v1/me/email/", {"email": "a@example.cn"}, format="json")
    assert first.status_code == 202
    second = citizen_api.post("/api/v1/me/email/", {"email": "b@example.cn"}, format="json")
    assert second.status_code == 429 and second.json()["code"] == "too_many_confirmations"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": None},
        {"email": 123},
        {"email": ["a@example.cn"]},
        {"email": "a\x00b@example.cn"},
        {"email": "x" * 300 + "@example.cn"},
        {"email": "用户@例子.中国"},
        [],
        "text",
    ],
)
def test_bad_api_input_is_a_400_and_saves_nothing(citizen_api, citizen, body):
    answer = citizen_api.post("/api/v1/me/email/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert "code" in answer.json()
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    "token", ["", None, 5, "\x00", "a:b:c", "x" * 600, "e30:1vUSC0:" + "A" * 43]
)
def test_bad_tokens_are_a_400(citizen_api, citizen, token):
    answer = citizen_api.post("/api/v1/me/email/confirm/", {"token": token}, format="json")
    assert answer.status_code == 400, answer.content
    assert confirmed(citizen) == ""


@pytest.mark.parametrize("token", ["%00", "a:b", "x" * 600, "..%2F.."])
def test_bad_links_answer_a_page_not_a_500(citizen_client, token):
    answer = citizen_client.post(f"/accounts/email/confirm/{token}/")
    assert answer.status_code in (400, 404)


def test_an_address_of_the_longest_valid_length_is_mailed(citizen_api, citizen, mailoutbox):
    # 254 characters, the most an address may have; the outbox once kept only 200 (a 500).
    longest = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 58}.cn"
    assert len(longest) == 254
    asked = citizen_api.post("/api/v1/me/email/", {"email": longest}, format="json")
    assert asked.status_code == 202
    send_all()
    assert mailoutbox[-1].to == [longest]
