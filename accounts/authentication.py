"""API authentication: django-rest-knox tokens (``Authorization: Token …``), which also stop
working once the user's password changes after they were issued."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox tokens, void when issued before the password's last change.

    The services revoke the tokens themselves; this also covers every other way a password
    changes (the admin's password form, ``manage.py changepassword``), since each goes through
    ``User.set_password``.
    """

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        changed = user.password_changed_at
        if changed is not None and auth_token.created < changed:
            raise exceptions.AuthenticationFailed(_("令牌已失效，请重新登录。"))
        return user, token


class TokenScheme(KnoxTokenScheme):
    """The same OpenAPI security scheme as knox's own class."""

    target_class = "accounts.authentication.TokenAuthentication"
