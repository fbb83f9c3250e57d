"""Forms of the citizen portal's account pages: sign-up and sign-in. They validate input
only; ``accounts.services.citizen_register`` makes the account."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .identity import validate_credit_code, validate_id_number, validate_mobile
from .models import IdentityKind, User
from .services import password_problems

# The form's field for each field ``citizen_register`` may report an error on.
SERVICE_FIELDS = {
    IdentityKind.PERSON: {
        "name": "person_name",
        "id_number": "id_number",
        "username": "id_number",
        "phone": "phone",
        "password": "password1",
    },
    IdentityKind.COMPANY: {
        "name": "company_name",
        "credit_code": "credit_code",
        "username": "credit_code",
        "phone": "phone",
        "password": "password1",
    },
}


class SignupForm(forms.Form):
    """A person signs up with real name and ID number, a company with its name and unified
    social credit code; both with a mobile number and a password typed twice.

    The account name is the ID number or the credit code, so that nobody registers twice.
    """

    identity_kind = forms.ChoiceField(
        label=_("用户类型"),
        choices=IdentityKind.choices,
        initial=IdentityKind.PERSON,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择个人用户或企业用户。")},
    )
    person_name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=20,
        required=False,
        help_text=_("18位居民身份证号码，末位为X的请照实填写"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    company_name = forms.CharField(
        label=_("企业名称"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=20,
        required=False,
        help_text=_("营业执照上的18位代码"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("用于接收办件进度短信"),
        error_messages={"required": _("请填写手机号码。")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=_("设置密码"),
        strip=False,
        error_messages={"required": _("请设置密码。")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        help_text=_("请再输入一次密码"),
        error_messages={"required": _("请再输入一次密码。")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data["phone"])

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("identity_kind")
        if kind == IdentityKind.PERSON:
            self._require("person_name", _("请填写真实姓名。"))
            self._check("id_number", validate_id_number, _("请填写身份证号码。"))
        elif kind == IdentityKind.COMPANY:
            self._require("company_name", _("请填写企业名称。"))
            self._check("credit_code", validate_credit_code, _("请填写统一社会信用代码。"))

        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif password1 and kind in IdentityKind.values:
            for problem in password_problems(password1, self._user()):
                self.add_error("password1", problem)
        return data

    def _require(self, field: str, message: str) -> None:
        value = (self.cleaned_data.get(field) or "").strip()
        if not value:
            self.add_error(field, message)
        else:
            self.cleaned_data[field] = value

    def _check(self, field: str, validator, required_message: str) -> None:
        value = self.cleaned_data.get(field) or ""
        if not value.strip():
            self.add_error(field, required_message)
            return
        try:
            self.cleaned_data[field] = validator(value)
        except ValidationError as exc:
            self.add_error(field, exc)

    def _user(self) -> User:
        """An unsaved user with the entered facts, for the password similarity check."""
        kwargs = self.service_kwargs()
        kwargs.pop("password")
        return User(**kwargs)

    def service_kwargs(self) -> dict:
        """The arguments of ``citizen_register`` for this form's cleaned data."""
        data = self.cleaned_data
        person = data.get("identity_kind") == IdentityKind.PERSON
        identity = data.get("id_number") if person else data.get("credit_code")
        return {
            "username": identity or "",
            "password": data.get("password1") or "",
            "name": (data.get("person_name") if person else data.get("company_name")) or "",
            "identity_kind": data.get("identity_kind") or "",
            "id_number": (data.get("id_number") or "") if person else "",
            "credit_code": "" if person else (data.get("credit_code") or ""),
            "phone": data.get("phone") or "",
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the errors ``citizen_register`` reported next to the form's own fields."""
        mapping = SERVICE_FIELDS.get(self.cleaned_data.get("identity_kind"), {})
        for service_field, messages in errors.items():
            field = mapping.get(service_field)
            if field is None and service_field in self.fields:
                field = service_field
            for message in messages:
                self.add_error(field, message)


class LoginForm(AuthenticationForm):
    """Sign-in with the ID number, the credit code or a staff user name."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("账号或密码不正确。连续输错%(limit)s次，账号将被临时锁定。"),
        "inactive": _("该账号已停用，请联系大厅工作人员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["username"].help_text = _("个人用户为身份证号码，企业用户为统一社会信用代码")
        self.fields["username"].widget.attrs.update({"spellcheck": "false"})
        self.fields["password"].label = _("密码")

    def clean_username(self) -> str:
        """An ID number or credit code is matched as stored: upper-case, without spaces."""
        username = (self.cleaned_data.get("username") or "").strip()
        for validator in (validate_id_number, validate_credit_code):
            try:
                return validator(username)
            except ValidationError:
                continue
        return username

    def get_invalid_login_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


def _password_input(label, autocomplete: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class NewPasswordMixin(forms.Form):
    """A new password typed twice; Django's validators run in the service."""

    new_password1 = _password_input(
        _("新密码"), "new-password", error_messages={"required": _("请设置新密码。")}
    )
    new_password2 = _password_input(
        _("确认新密码"), "new-password", error_messages={"required": _("请再输入一次新密码。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_validators_help_text_html()

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("new_password1")
            and data.get("new_password2")
            and data["new_password1"] != data["new_password2"]
        ):
            self.add_error("new_password2", _("两次输入的密码不一致。"))
        return data


class PasswordChangeForm(NewPasswordMixin):
    """The signed-in user's own password change: the old password, the new one twice."""

    old_password = _password_input(
        _("原密码"), "current-password", error_messages={"required": _("请填写原密码。")}
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class PasswordResetRequestForm(forms.Form):
    """A forgotten password: which account (ID number, credit code or user name)."""

    username = forms.CharField(
        label=_("账号"),
        max_length=150,
        help_text=_("个人用户为身份证号码，企业用户为统一社会信用代码"),
        error_messages={"required": _("请填写账号。")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )


class PasswordResetConfirmForm(NewPasswordMixin):
    """The account, the code from the SMS and the new password twice."""

    username = PasswordResetRequestForm.base_fields["username"]
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=12,
        error_messages={"required": _("请填写短信验证码。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["username", "code", "new_password1", "new_password2"]
