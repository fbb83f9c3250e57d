"""Citizens change their password themselves (/accounts/password/, linked from the nav) and reset
a forgotten one with an SMS code (/accounts/password/reset/ → /accounts/password/reset/confirm/)."""

import itertools
import re

import pytest
from django.test import Client
from knox.models import AuthToken

from notices.models import Notice
from tests.factories import PASSWORD, UserFactory
from tests.throttles import set_rates

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/password/"
RESET_URL = "/accounts/password/reset/"
CONFIRM_URL = "/accounts/password/reset/confirm/"
LOGIN_URL = "/accounts/login/"
NEW_PASSWORD = "Xixi#Wetland2027"

_counter = itertools.count(1)


def fresh_address() -> str:
    n = next(_counter)
    return f"198.51.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def citizen(db):
    return UserFactory(citizen=True, name="李四")


@pytest.fixture
def browser(citizen) -> Client:
    client = Client()
    client.force_login(citizen)
    return client


def change(client, old=PASSWORD, new=NEW_PASSWORD, again=None, **extra):
    return client.post(
        CHANGE_URL,
        {"old_password": old, "new_password1": new, "new_password2": again or new},
        **extra,
    )


# Password change -------------------------------------------------------------------------


def test_the_nav_links_to_the_change_page(browser):
    html = browser.get("/").content.decode()
    assert f'href="{CHANGE_URL}"' in html
    assert "修改密码" in html


def test_change_page_needs_sign_in():
    response = Client().get(CHANGE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_change_signs_out_other_browsers_and_apps_but_not_this_one(browser, citizen):
    other = Client()
    other.force_login(citizen)
    AuthToken.objects.create(user=citizen)

    response = change(browser)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    profile = browser.get("/accounts/profile/")
    assert profile.status_code == 200
    assert "密码已修改" in profile.content.decode()
    assert other.get("/accounts/profile/").status_code == 302
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_wrong_old_password_shows_an_error_and_changes_nothing(browser, citizen):
    response = change(browser, old="not-it")

    assert response.status_code == 200
    assert "原密码不正确" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_mismatch_and_weak_passwords_show_errors(browser, citizen):
    mismatch = change(browser, again="Other#Pass2027")
    assert "两次输入的密码不一致" in mismatch.content.decode()
    weak = change(browser, new="12345678")
    assert "不能全部是数字" in weak.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_change_page_is_rate_limited(browser, settings):
    set_rates(settings, password_change="2/hour")
    codes = [
        change(browser, old=f"guess{n}", HTTP_X_FORWARDED_FOR=fresh_address()).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


# Forgotten password ----------------------------------------------------------------------


def sms_code(user) -> str:
    notice = Notice.objects.filter(recipient=user, template="password_reset_code").latest("id")
    return re.search(r"验证码(\d{6})", notice.text).group(1)


def test_login_page_links_to_the_reset():
    assert f'href="{RESET_URL}"' in Client().get(LOGIN_URL).content.decode()


def test_the_whole_reset_flow(citizen):
    client = Client()
    response = client.post(RESET_URL, {"username": citizen.username})
    assert response.status_code == 302
    assert response["Location"] == CONFIRM_URL

    page = client.get(CONFIRM_URL).content.decode()
    assert "验证码已通过短信发送" in page
    assert citizen.username in page  # the account is filled in already

    done = client.post(
        CONFIRM_URL,
        {
            "username": citizen.username,
            "code": sms_code(citizen),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302
    assert done["Location"] == LOGIN_URL

    signed_in = client.post(LOGIN_URL, {"username": citizen.username, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_unknown_account_gets_the_same_pages(citizen):
    known, unknown = Client(), Client()
    known_answer = known.post(RESET_URL, {"username": citizen.username})
    unknown_answer = unknown.post(RESET_URL, {"username": "110101199003070000"})

    assert known_answer.status_code == unknown_answer.status_code == 302
    assert known_answer["Location"] == unknown_answer["Location"]
    known_page = known.get(CONFIRM_URL).content.decode().replace(citizen.username, "X")
    unknown_page = unknown.get(CONFIRM_URL).content.decode().replace("110101199003070000", "X")
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known_page) == strip.sub("", unknown_page)
    assert Notice.objects.filter(template="password_reset_code").count() == 1


def test_a_wrong_code_shows_an_error_and_changes_nothing(citizen):
    client = Client()
    client.post(RESET_URL, {"username": citizen.username})
    code = sms_code(citizen)
    wrong = f"{(int(code) + 1) % 1000000:06d}"

    response = client.post(
        CONFIRM_URL,
        {
            "username": citizen.username,
            "code": wrong,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "验证码错误或已失效" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_reset_request_page_is_rate_limited(citizen, settings):
    set_rates(settings, password_reset="2/hour")
    client = Client()
    for n in range(2):
        client.post(
            RESET_URL, {"username": f"11010119900307{n:04d}"}, HTTP_X_FORWARDED_FOR=fresh_address()
        )
    refused = client.post(RESET_URL, {"username": citizen.username})
    assert refused.status_code == 429
    assert not Notice.objects.filter(template="password_reset_code").exists()


def test_reset_confirm_page_is_rate_limited(citizen, settings):
    set_rates(settings, password_reset_confirm="1/hour")
    client = Client()
    client.post(RESET_URL, {"username": citizen.username})
    data = {
        "username": citizen.username,
        "code": "000000",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert client.post(CONFIRM_URL, data).status_code == 200
    data["code"] = sms_code(citizen)
    assert client.post(CONFIRM_URL, data).status_code == 429
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


# The code is the recipient's secret, also from staff who read the outbox ------------------


@pytest.fixture
def recording_sms(settings):
    from tests.notices.backends import ScriptedSmsBackend

    settings.SMS_BACKEND = "tests.notices.backends.ScriptedSmsBackend"
    ScriptedSmsBackend.reset()
    return ScriptedSmsBackend


def test_the_code_is_sent_then_not_kept_in_the_outbox(citizen, recording_sms):
    from notices.services import notice_send

    Client().post(RESET_URL, {"username": citizen.username})
    notice = Notice.objects.get(template="password_reset_code")
    code = sms_code(citizen)

    assert notice_send(notice_id=notice.pk) == "sent"

    (call,) = recording_sms.calls
    assert call["address"] == citizen.phone
    assert code in call["text"]
    notice.refresh_from_db()
    assert code not in notice.text
    # The code sent still works: only the copy is gone.
    response = Client().post(
        CONFIRM_URL,
        {
            "username": citizen.username,
            "code": code,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302


def test_the_admin_never_shows_a_pending_code(citizen):
    Client().post(RESET_URL, {"username": citizen.username})
    notice = Notice.objects.get(template="password_reset_code")
    code = sms_code(citizen)
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = admin.get(f"/admin/notices/notice/{notice.pk}/change/")

    assert page.status_code == 200
    assert code not in page.content.decode()
    assert "一次性验证码" in page.content.decode()
