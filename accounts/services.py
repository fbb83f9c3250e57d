"""Operations that change accounts: a citizen or a company signs up on the portal.

Staff accounts are made by administrators in the admin, never here.
"""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import roles
from .exceptions import IdentityError
from .identity import validate_credit_code, validate_id_number, validate_mobile
from .models import IdentityKind, User

# Django's own messages for these are missing from its zh_Hans catalogue or name the internal
# "username"; the portal says them in its own words.
PASSWORD_MESSAGES = {
    "password_too_short": _lazy("密码太短，至少需要%(min_length)d个字符。"),
    "password_too_similar": _lazy("密码与您的证件号码或姓名太相似。"),
    "password_too_common": _lazy("这个密码太常见，容易被猜中。"),
    "password_entirely_numeric": _lazy("密码不能全部是数字。"),
}


def password_problems(password: str, user: User) -> list[str]:
    """Every reason Django's password validators refuse ``password`` for ``user``, in Chinese."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        problems = []
        for error in exc.error_list:
            template = PASSWORD_MESSAGES.get(error.code)
            if template is None:
                problems.extend(error.messages)
            else:
                problems.append(str(template) % (error.params or {}))
        return problems
    return []


def _raise_if_errors(errors: dict[str, list[str]], *, code: str) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise IdentityError(first, code=code, extra={"errors": errors})


@transaction.atomic
def citizen_register(
    *,
    username: str,
    password: str,
    name: str,
    identity_kind: str,
    id_number: str = "",
    credit_code: str = "",
    phone: str,
) -> User:
    """Create a citizen (person) or company account with the ``citizen`` role.

    Raises ``IdentityError`` whose ``extra["errors"]`` maps each field to its messages: a bad
    ID number, credit code or mobile, a weak password, or an ID number, credit code or
    username already registered. A person carries an ID number and no credit code; a company
    the reverse.
    """
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    name = (name or "").strip()
    if not username:
        errors["username"] = [_("请填写账号。")]
    if not name:
        errors["name"] = [_("请填写姓名或企业名称。")]
    if identity_kind == IdentityKind.PERSON:
        credit_code = ""
        try:
            id_number = validate_id_number(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    elif identity_kind == IdentityKind.COMPANY:
        id_number = ""
        try:
            credit_code = validate_credit_code(credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
    else:
        errors["identity_kind"] = [_("请选择个人用户或企业用户。")]
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    _raise_if_errors(errors, code="invalid_identity")

    user = User(
        username=username,
        name=name,
        identity_kind=identity_kind,
        id_number=id_number,
        credit_code=credit_code,
        phone=phone,
    )
    problems = password_problems(password, user)
    if problems:
        errors["password"] = problems
    _raise_if_errors(errors, code="weak_password")

    if id_number and User.objects.filter(id_number=id_number).exists():
        errors["id_number"] = [
            _("该身份证号码已注册，请直接登录；如忘记密码，可在登录页通过短信验证码重设。")
        ]
    if credit_code and User.objects.filter(credit_code=credit_code).exists():
        errors["credit_code"] = [
            _("该统一社会信用代码已注册，请直接登录；如忘记密码，可在登录页通过短信验证码重设。")
        ]
    if not errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("该账号已被使用。")]
    _raise_if_errors(errors, code="already_registered")

    user.set_password(password)
    try:
        # A savepoint, so that a concurrent sign-up losing the race leaves no half-made user.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise IdentityError(
            _("该证件号码或账号已注册，请直接登录。"),
            code="already_registered",
            extra={"errors": {"username": [_("该证件号码或账号已注册，请直接登录。")]}},
        ) from None
    group, _created = Group.objects.get_or_create(name=roles.CITIZEN)
    user.groups.add(group)
    return user
