"""API serializers for accounts: sign-in input, the signed-in user, departments."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Department, IdentityKind, User


class TokenRequestSerializer(serializers.Serializer):
    """Input of ``POST /auth/token/``; checking the password is the view's job."""

    username = serializers.CharField(label=_("用户名"), max_length=150)
    password = serializers.CharField(
        label=_("密码"), max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


def _password_field(label: str) -> serializers.CharField:
    return serializers.CharField(
        label=label, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class PasswordChangeSerializer(serializers.Serializer):
    """Input of ``POST /auth/password/``; the service checks the old password."""

    old_password = _password_field(_("原密码"))
    new_password = _password_field(_("新密码"))


class PasswordResetRequestSerializer(serializers.Serializer):
    """Input of ``POST /auth/password-reset/``: the account's ID number, credit code or name."""

    username = serializers.CharField(label=_("账号"), max_length=150)


class PasswordResetConfirmSerializer(serializers.Serializer):
    """Input of ``POST /auth/password-reset/confirm/``."""

    username = serializers.CharField(label=_("账号"), max_length=150)
    # Not ``code``: an error body's ``code`` is the error's code.
    sms_code = serializers.CharField(label=_("短信验证码"), max_length=12)
    new_password = _password_field(_("新密码"))


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name"]


# Inline schemas: named enum components would collide with other fields called ``kind``.
_IDENTITY_SCHEMA = {
    "type": "object",
    "description": "个人：kind=person 与 id_number；企业：kind=company 与 credit_code。",
    "properties": {
        "kind": {"type": "string", "enum": [choice.value for choice in IdentityKind]},
        "id_number": {"type": "string"},
        "credit_code": {"type": "string"},
        "phone": {"type": "string"},
    },
    "required": ["kind", "phone"],
    "nullable": True,
}


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile, unmasked (it is their own data)."""

    roles = serializers.SerializerMethodField()
    department = DepartmentSerializer(read_only=True, allow_null=True)
    identity = serializers.SerializerMethodField()

    class Meta:
        model = User
        # The clerk's window is added on the top floor (``hall.api.me``): windows sit above.
        fields = ["username", "name", "roles", "department", "identity"]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return user.role_names()

    @extend_schema_field(_IDENTITY_SCHEMA)
    def get_identity(self, user: User) -> dict | None:
        if user.identity_kind == IdentityKind.PERSON:
            return {"kind": user.identity_kind, "id_number": user.id_number, "phone": user.phone}
        if user.identity_kind == IdentityKind.COMPANY:
            return {
                "kind": user.identity_kind,
                "credit_code": user.credit_code,
                "phone": user.phone,
            }
        return None
