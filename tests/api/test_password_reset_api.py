"""A forgotten password is reset with a code sent by SMS to the registered mobile:
POST /api/v1/auth/password-reset/ {username} and /confirm/ {username, sms_code, new_password}.

The code is single-use, short-lived, has a few tries; requests are limited per account and per
client address; the answer never tells whether an account exists."""

import datetime
import itertools
import re

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import PasswordResetCode
from notices.models import Channel, Notice
from tests.api import make_user
from tests.factories import PASSWORD
from tests.throttles import set_rates

pytestmark = pytest.mark.django_db

REQUEST_URL = "/api/v1/auth/password-reset/"
CONFIRM_URL = "/api/v1/auth/password-reset/confirm/"
TOKEN_URL = "/api/v1/auth/token/"
NEW_PASSWORD = "Xixi#Wetland2027"

_counter = itertools.count(1)


def fresh_address() -> str:
    n = next(_counter)
    return f"198.51.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def citizen(db):
    return make_user("citizen", name="李四")


def ask(username: str, client: APIClient | None = None, **extra):
    client = client or APIClient(REMOTE_ADDR=fresh_address())
    return client.post(REQUEST_URL, {"username": username}, format="json", **extra)


def confirm(username: str, code: str, new_password: str = NEW_PASSWORD, **extra):
    client = APIClient(REMOTE_ADDR=fresh_address())
    return client.post(
        CONFIRM_URL,
        {"username": username, "sms_code": code, "new_password": new_password},
        format="json",
        **extra,
    )


def sms_codes(user) -> list[str]:
    """The codes texted to ``user``, oldest first."""
    notices = Notice.objects.filter(
        recipient=user, channel=Channel.SMS, template="password_reset_code"
    ).order_by("id")
    return [re.search(r"验证码(\d{6})", notice.text).group(1) for notice in notices]


def test_request_texts_a_code_to_the_registered_mobile(citizen):
    response = ask(citizen.username)

    assert response.status_code == 202
    assert "验证码" in response.json()["detail"]
    notice = Notice.objects.get(recipient=citizen, template="password_reset_code")
    assert notice.channel == Channel.SMS
    assert notice.address == citizen.phone
    assert "10分钟" in notice.text
    (code,) = sms_codes(citizen)
    # Only a digest is kept, never the code.
    row = PasswordResetCode.objects.get(user=citizen)
    assert code not in row.digest


@pytest.mark.parametrize(
    "who", ["unknown", "staff", "inactive", "no_phone", "lower_case_x", "credit_code"]
)
def test_the_answer_is_the_same_whoever_is_asked_for(citizen, who):
    known = ask(citizen.username).json()
    if who == "unknown":
        username = "110101199003070000"
    elif who == "staff":
        username = make_user("clerk", phone="13900000000").username
    elif who == "inactive":
        username = make_user("citizen", is_active=False).username
    elif who == "no_phone":
        username = make_user("citizen", phone="").username
    elif who == "lower_case_x":
        user = make_user("citizen")
        username = user.username.lower()
    else:
        username = make_user("company").credit_code
    Notice.objects.all().delete()

    response = ask(username)

    assert response.status_code == 202
    assert response.json() == known
    sent = Notice.objects.filter(template="password_reset_code").count()
    assert sent == (1 if who in ("lower_case_x", "credit_code") else 0)


def test_confirm_sets_the_password_and_revokes_every_token(citizen):
    app = APIClient()
    token = app.post(TOKEN_URL, {"username": citizen.username, "password": PASSWORD}).json()
    ask(citizen.username)
    (code,) = sms_codes(citizen)

    response = confirm(citizen.username, code)

    assert response.status_code == 200
    assert response.json()["detail"]
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert not AuthToken.objects.filter(user=citizen).exists()
    app.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert app.get("/api/v1/me/").status_code == 401


def test_the_code_is_single_use(citizen):
    ask(citizen.username)
    (code,) = sms_codes(citizen)
    assert confirm(citizen.username, code).status_code == 200

    again = confirm(citizen.username, code, new_password="Another#Pass2028")

    assert again.status_code == 400
    assert again.json()["code"] == "invalid_code"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)


def test_a_wrong_code_is_refused_and_changes_nothing(citizen):
    ask(citizen.username)
    (code,) = sms_codes(citizen)
    wrong = f"{(int(code) + 1) % 1000000:06d}"

    response = confirm(citizen.username, wrong)

    assert response.status_code == 400
    assert response.json() == {"detail": "验证码错误或已失效，请重新获取。", "code": "invalid_code"}
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert confirm(citizen.username, code).status_code == 200


def test_tries_are_limited_then_even_the_right_code_fails(citizen, settings):
    assert settings.PASSWORD_RESET_CODE_ATTEMPTS == 5
    ask(citizen.username)
    (code,) = sms_codes(citizen)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(5):
        assert confirm(citizen.username, wrong).status_code == 400

    assert confirm(citizen.username, code).json()["code"] == "invalid_code"
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_an_expired_code_is_refused(citizen):
    ask(citizen.username)
    (code,) = sms_codes(citizen)
    PasswordResetCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert confirm(citizen.username, code).json()["code"] == "invalid_code"


def test_the_code_lives_ten_minutes(citizen):
    ask(citizen.username)
    row = PasswordResetCode.objects.get(user=citizen)
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=10)


def test_a_new_code_voids_the_earlier_one(citizen):
    ask(citizen.username)
    ask(citizen.username)
    first, second = sms_codes(citizen)

    if first != second:
        assert confirm(citizen.username, first).json()["code"] == "invalid_code"
    assert confirm(citizen.username, second).status_code == 200


def test_the_code_of_one_account_does_not_reset_another(citizen):
    other = make_user("citizen")
    ask(citizen.username)
    ask(other.username)
    (code,) = sms_codes(citizen)

    if code not in sms_codes(other):
        assert confirm(other.username, code).json()["code"] == "invalid_code"
    other.refresh_from_db()
    assert other.check_password(PASSWORD)


def test_a_weak_password_is_refused_and_keeps_the_code(citizen):
    ask(citizen.username)
    (code,) = sms_codes(citizen)

    weak = confirm(citizen.username, code, new_password="12345678")

    assert weak.status_code == 400
    assert weak.json()["code"] == "weak_password"
    assert weak.json()["new_password"]
    assert confirm(citizen.username, code).status_code == 200


def test_requests_per_account_are_limited(citizen, settings):
    assert settings.PASSWORD_RESET_PER_ACCOUNT_HOUR == 3
    answers = [ask(citizen.username) for _ in range(5)]

    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.content for answer in answers}) == 1
    assert len(sms_codes(citizen)) == 3

    # An hour later, one more may go.
    PasswordResetCode.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    ask(citizen.username)
    assert len(sms_codes(citizen)) == 4


def test_requests_per_address_are_throttled(citizen, settings):
    set_rates(settings, password_reset="2/hour")
    client = APIClient()
    codes = [
        ask(f"11010119900307{n:04d}", client, HTTP_X_FORWARDED_FOR=fresh_address()).status_code
        for n in range(2)
    ]
    refused = ask(citizen.username, client)

    assert codes == [202, 202]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert sms_codes(citizen) == []


def test_confirmations_per_address_are_throttled(citizen, settings):
    set_rates(settings, password_reset_confirm="2/hour")
    ask(citizen.username)
    (code,) = sms_codes(citizen)
    client = APIClient()

    def post(value):
        return client.post(
            CONFIRM_URL,
            {"username": citizen.username, "sms_code": value, "new_password": NEW_PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=fresh_address(),
        )

    assert post("000000").status_code == 400
    assert post("000001").status_code == 400
    assert post(code).status_code == 429
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_a_reset_lifts_the_sign_in_lockout(citizen, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(TOKEN_URL, {"username": citizen.username, "password": "wrong"})
    assert AccessAttempt.objects.filter(username=citizen.username).exists()
    ask(citizen.username)
    (code,) = sms_codes(citizen)

    assert confirm(citizen.username, code).status_code == 200

    response = APIClient().post(TOKEN_URL, {"username": citizen.username, "password": NEW_PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize("payload", [{}, {"username": ""}, {"username": "x" * 200}])
def test_bad_request_input_is_400(payload):
    response = APIClient().post(REQUEST_URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_confirm_missing_fields_are_400(citizen):
    response = APIClient().post(CONFIRM_URL, {"username": citizen.username}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"sms_code", "new_password"} <= set(body)
