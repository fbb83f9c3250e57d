"""The citizen portal's account pages: sign-up, sign-in, sign-out, profile, lockout."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from stdnum.cn import ric

from accounts import roles
from accounts.models import IdentityKind, User
from tests.factories import PASSWORD, UserFactory
from tests.identities import make_credit_code, make_id_number, make_mobile

SIGNUP_URL = reverse("accounts:signup")
LOGIN_URL = reverse("accounts:login")
LOGOUT_URL = reverse("accounts:logout")
PROFILE_URL = reverse("accounts:profile")
STRONG_PASSWORD = "Qiantang#River2026"


def person_data(**overrides) -> dict:
    data = {
        "identity_kind": "person",
        "person_name": "王小明",
        "id_number": make_id_number(),
        "phone": make_mobile(),
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


def company_data(**overrides) -> dict:
    data = {
        "identity_kind": "company",
        "company_name": "杭州钱塘示例科技有限公司",
        "credit_code": make_credit_code(),
        "phone": make_mobile(),
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


def id_number_ending_in_x() -> str:
    for sequence in range(1000):
        body = f"33010219900307{sequence:03d}"
        if ric.calc_check_digit(body + "0") == "X":
            return body + "X"
    raise AssertionError("no ID number ends in X")


def signed_in_user(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# Sign-up


def test_signup_page_labels_every_input(client, db):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    page = response.content.decode()
    for field in ("person_name", "id_number", "company_name", "credit_code", "phone"):
        assert f'<label for="id_{field}">' in page
    assert '<label for="id_password1">' in page and '<label for="id_password2">' in page
    assert '<label class="radio" for="id_identity_kind_0">' in page
    assert "<legend>" in page


def test_person_signs_up_and_lands_signed_in_as_citizen(client, db):
    data = person_data()

    response = client.post(SIGNUP_URL, data)

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    user = User.objects.get()
    assert signed_in_user(client) == user
    assert user.username == data["id_number"]
    assert user.name == "王小明"
    assert user.identity_kind == IdentityKind.PERSON
    assert user.id_number == data["id_number"]
    assert user.credit_code == ""
    assert user.phone == data["phone"]
    assert user.role_names() == [roles.CITIZEN]
    assert user.check_password(STRONG_PASSWORD)
    assert not user.is_staff

    profile = client.get(PROFILE_URL)
    page = profile.content.decode()
    assert "注册成功，您已登录。" in page
    assert "王小明" in page and data["id_number"] in page and data["phone"] in page


def test_company_signs_up_with_its_credit_code(client, db):
    data = company_data()

    response = client.post(SIGNUP_URL, data)

    assert response.status_code == 302
    user = User.objects.get()
    assert signed_in_user(client) == user
    assert user.identity_kind == IdentityKind.COMPANY
    assert user.name == "杭州钱塘示例科技有限公司"
    assert user.credit_code == data["credit_code"]
    assert user.id_number == ""
    assert user.username == data["credit_code"]
    assert user.role_names() == [roles.CITIZEN]
    assert data["credit_code"] in client.get(PROFILE_URL).content.decode()


def test_lower_case_x_id_number_is_accepted_and_stored_upper_case(client, db):
    number = id_number_ending_in_x()

    response = client.post(SIGNUP_URL, person_data(id_number=number.lower()))

    assert response.status_code == 302
    user = User.objects.get()
    assert user.id_number == number
    assert user.username == number

    client.post(LOGOUT_URL)
    response = client.post(LOGIN_URL, {"username": number.lower(), "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert signed_in_user(client) == user


def corrupt_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def id_number_with_bad_birth_date() -> str:
    body = "330102" + "19901332" + "001"
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"id_number": corrupt_check_digit(make_id_number())},
            "id_number",
            "身份证号码校验位不正确。",
        ),
        ({"id_number": id_number_with_bad_birth_date()}, "id_number", "出生日期或地区码无效"),
        ({"id_number": "33010219900307"}, "id_number", "身份证号码应为18位。"),
        ({"id_number": ""}, "id_number", "请填写身份证号码。"),
        ({"person_name": ""}, "person_name", "请填写真实姓名。"),
        ({"phone": "12345"}, "phone", "请输入11位中国大陆手机号码。"),
        ({"phone": "12812345678"}, "phone", "请输入11位中国大陆手机号码。"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "密码不能全部是数字。"),
        ({"password1": "password", "password2": "password"}, "password1", "这个密码太常见"),
        ({"password1": "Ab#1", "password2": "Ab#1"}, "password1", "密码太短，至少需要8个字符。"),
        ({"password2": "Another#Password9"}, "password2", "两次输入的密码不一致。"),
    ],
)
def test_invalid_person_signup_shows_the_fields_chinese_error_and_creates_nothing(
    client, db, overrides, field, message
):
    response = client.post(SIGNUP_URL, person_data(**overrides))

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), field_errors(
        response, field
    )
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}_error"' in page  # the error sits next to its field
    assert 'aria-invalid="true"' in page
    assert User.objects.count() == 0
    assert signed_in_user(client) is None


def test_duplicate_id_number_is_refused(client, db):
    existing = UserFactory(citizen=True)

    response = client.post(SIGNUP_URL, person_data(id_number=existing.id_number))

    assert response.status_code == 200
    assert any("该身份证号码已注册" in error for error in field_errors(response, "id_number"))
    assert User.objects.count() == 1


def test_duplicate_credit_code_is_refused(client, db):
    existing = UserFactory(company=True)

    response = client.post(SIGNUP_URL, company_data(credit_code=existing.credit_code.lower()))

    assert response.status_code == 200
    assert any(
        "该统一社会信用代码已注册" in error for error in field_errors(response, "credit_code")
    )
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"credit_code": "91330100000000000X"}, "credit_code", "统一社会信用代码"),
        ({"credit_code": ""}, "credit_code", "请填写统一社会信用代码。"),
        ({"company_name": ""}, "company_name", "请填写企业名称。"),
    ],
)
def test_invalid_company_signup(client, db, overrides, field, message):
    response = client.post(SIGNUP_URL, company_data(**overrides))

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    assert User.objects.count() == 0


def test_signed_in_user_is_sent_from_signup_to_profile(client, db):
    client.post(SIGNUP_URL, person_data())

    assert client.get(SIGNUP_URL)["Location"] == PROFILE_URL


# Sign-in, sign-out, profile


def make_member(name: str) -> User:
    """A signed-up citizen, made by hand: ``UserFactory(citizen=True)`` saves neither its
    password nor its role (reported to the lead)."""
    user = UserFactory(citizen=True, name=name)
    user.username = user.id_number
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=roles.CITIZEN))
    return user


@pytest.fixture
def member(db):
    return make_member("李四")


def test_login_and_logout(client, member):
    page = client.get(LOGIN_URL).content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page

    response = client.post(LOGIN_URL, {"username": member.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user(client) == member
    home = client.get(reverse("home")).content.decode()
    assert "李四" in home and "退出" in home

    assert client.get(LOGOUT_URL).status_code == 405  # sign-out is a POST
    response = client.post(LOGOUT_URL, follow=True)
    assert signed_in_user(client) is None
    assert "您已安全退出。" in response.content.decode()


def test_wrong_password_gives_a_chinese_message(client, member):
    response = client.post(LOGIN_URL, {"username": member.username, "password": "wrong"})

    assert response.status_code == 200
    assert "账号或密码不正确。连续输错5次，账号将被临时锁定。" in response.content.decode()
    assert signed_in_user(client) is None


def test_login_keeps_next(client, member):
    response = client.post(
        f"{LOGIN_URL}?next={PROFILE_URL}",
        {"username": member.username, "password": PASSWORD, "next": PROFILE_URL},
    )

    assert response["Location"] == PROFILE_URL


def test_profile_requires_sign_in(client, db):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PROFILE_URL}"


def test_profile_shows_own_data_unmasked(client, member):
    client.post(LOGIN_URL, {"username": member.username, "password": PASSWORD})

    page = client.get(PROFILE_URL).content.decode()

    assert member.id_number in page
    assert member.phone in page
    assert "李四" in page
    assert "办事群众/企业" in page


def test_five_wrong_passwords_lock_the_account(client, member):
    for _ in range(4):
        response = client.post(LOGIN_URL, {"username": member.username, "password": "wrong"})
        assert response.status_code == 200

    fifth = client.post(LOGIN_URL, {"username": member.username, "password": "wrong"})
    assert fifth.status_code in (403, 429)

    sixth = client.post(LOGIN_URL, {"username": member.username, "password": PASSWORD})

    assert sixth.status_code in (403, 429)
    page = sixth.content.decode()
    assert "账户已临时锁定" in page
    assert "15 分钟后再试" in page
    assert "0571-12345" in page
    assert '<html lang="zh-CN">' in page
    assert signed_in_user(client) is None


def test_lockout_is_per_username(client, member):
    other = make_member("赵六")
    for _ in range(5):
        client.post(LOGIN_URL, {"username": member.username, "password": "wrong"})

    response = client.post(LOGIN_URL, {"username": other.username, "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user(client) == other
