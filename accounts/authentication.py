"""API authentication: django-rest-knox tokens (``Authorization: Token …``), which also stop
working once the user's password changes after they were issued."""

import binascii
from hmac import compare_digest

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from accounts.compiled import rows_by


def token_queryset() -> QuerySet:
    """The API tokens with their user, the user's hall and (on PostgreSQL) role names."""
    roles = ArraySubquery(Group.objects.filter(user=OuterRef("user_id")).values("name"))
    tokens = get_token_model().objects.select_related("user", "user__hall")
    if connection.vendor == "postgresql":  # no arrays in the embedded SQLite of make run
        tokens = tokens.annotate(role_names=roles)
    return tokens


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox tokens, void when issued before the password's last change.

    The services revoke the tokens themselves; this also covers every other way a password
    changes (the admin's password form, ``manage.py changepassword``), since each goes through
    ``User.set_password``.
    """

    def authenticate_credentials(self, token):
        """Knox's lookup, with the user's role names and hall read in the same query
        (``has_role`` and ``staff_hall`` then ask nothing more during the request)."""
        message = _("Invalid token.")
        token = token.decode("utf-8")
        # Every API request runs it: compiled once per process.
        key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
        for auth_token in rows_by("api_token", token_queryset, "token_key", key):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                if hasattr(auth_token, "role_names"):
                    auth_token.user._role_cache = set(auth_token.role_names)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        changed = user.password_changed_at
        if changed is not None and auth_token.created < changed:
            raise exceptions.AuthenticationFailed(_("令牌已失效，请重新登录。"))
        return user, token

    def _cleanup_token(self, auth_token) -> bool:
        """Refuse (and delete) the presented token when expired.

        Knox also reads every other token of the user on each request to delete the expired
        ones; the hourly ``credentials_purge_expired`` does that here, so a request costs one
        query for its token instead of two.
        """
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The same OpenAPI security scheme as knox's own class."""

    target_class = "accounts.authentication.TokenAuthentication"
