"""A forgotten password reset online in a real Chromium: the code goes by SMS to the account's
mobile (through the SMS backend), the new password is set, and the person signs in with it."""

import re

import pytest
from playwright.sync_api import expect

from notices.models import Notice
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "Qiantang#River2027"


@pytest.fixture
def recording_sms(settings):
    from tests.notices.backends import ScriptedSmsBackend

    settings.SMS_BACKEND = "tests.notices.backends.ScriptedSmsBackend"
    ScriptedSmsBackend.reset()
    return ScriptedSmsBackend


def _sms_sent_to(user, recording_sms) -> str:
    """Send the outbox's reset notice as the worker would; the code the SMS carried."""
    from notices.services import notice_send

    notice = Notice.objects.filter(recipient=user, template="password_reset_code").latest("id")
    assert notice_send(notice_id=notice.pk) == "sent"
    (call,) = recording_sms.calls
    assert call["address"] == user.phone
    return re.search(r"验证码(\d{6})", call["text"]).group(1)


def test_reset_a_forgotten_password_with_the_sms_code(page, screenshot, recording_sms):
    citizen = UserFactory(citizen=True, name="王五")

    page.goto("/accounts/login/")
    page.get_by_role("link", name="忘记密码？通过短信验证码重设").click()
    page.wait_for_url("**/accounts/password/reset/")
    page.get_by_label("账号").fill(citizen.id_number)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/accounts/password/reset/confirm/")
    expect(page.locator(".note")).to_contain_text("验证码已通过短信发送")
    expect(page.get_by_label("账号")).to_have_value(citizen.id_number)

    code = _sms_sent_to(citizen, recording_sms)

    # A wrong code first: the error under the code field, the new password not set.
    page.get_by_label("短信验证码").fill("000000" if code != "000000" else "111111")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重设密码").click()
    expect(page.locator(".field--error")).to_contain_text("验证码错误或已失效，请重新获取。")
    expect(page.locator(".field--error #id_code")).to_be_visible()
    expect(page.get_by_label("账号")).to_have_value(citizen.id_number)
    screenshot(page, "password-reset-wrong-code")

    page.get_by_label("短信验证码").fill(code)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重设密码").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.locator(".message--success")).to_contain_text("密码已重设")

    # The old password no longer opens the account; the new one does (by ID number too).
    page.get_by_label("账号").fill(citizen.id_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("账号或密码不正确")
    assert "/accounts/login/" in page.url
    page.get_by_label("账号").fill(citizen.id_number)
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("link", name="王五")).to_be_visible()
    screenshot(page, "password-reset-signed-in")
