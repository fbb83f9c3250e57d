"""A sign-in limit per client address, across usernames, beside django-axes' per-username
lockout: one address trying a common password on many accounts (password spraying) is stopped
although no single username fails often."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest

from .models import User
from .ratelimits import address_limited

LOGIN_SCOPE = "login"


class AddressLimitBackend:
    """Refuses every sign-in from an address over its rate of failed sign-ins.

    Listed after axes' backend and before the one that checks passwords: it never signs
    anyone in, it only refuses. The refusal raises the flag axes' middleware turns into its
    lockout page (429) for the sign-in page and the admin alike; the API reads
    ``login_address_limited`` and answers JSON. No ``get_user``: sessions are never this
    backend's.
    """

    def authenticate(self, request: HttpRequest | None, **credentials):
        if request is None:
            return None
        if address_limited(request, LOGIN_SCOPE, increment=False):
            request.login_address_limited = True
            request.axes_locked_out = True
            raise PermissionDenied
        return None


def login_failure_record(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    """Count a failed sign-in against the client's address (``user_login_failed``)."""
    if request is None or getattr(request, "login_address_limited", False):
        return
    address_limited(request, LOGIN_SCOPE)


class IdentityModelBackend(ModelBackend):
    """Django's password check, where the account is found by its user name, or by the ID number
    or credit code it was registered with (the sign-in page asks for those: staff and the demo
    accounts have user names that differ)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = self._account_for(username.strip())
        if user is None:
            # Django's timing defence: hash a password although nobody matched.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @staticmethod
    def _account_for(login: str):
        if not login:
            return None
        identity = login.upper()
        accounts = list(
            User.objects.filter(
                Q(username=login) | Q(id_number=identity) | Q(credit_code=identity)
            )[:2]
        )
        # A user name equal to someone else's identity number: the user name wins.
        exact = [account for account in accounts if account.username == login]
        return (exact or accounts or [None])[0]


def axes_username(request, credentials: dict | None) -> str:
    """The name django-axes counts failures under: the account's user name, however the person
    typed it (user name, ID number or credit code), so that switching between them does not
    double the tries before the lockout."""
    if credentials:
        login = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        login = data.get("username")
    login = (login or "").strip() if isinstance(login, str) else ""
    known = getattr(request, "_axes_accounts", None)
    if known is None:
        known = {}
        if request is not None:
            request._axes_accounts = known
    if login not in known:
        account = IdentityModelBackend._account_for(login)
        known[login] = account.username if account else login
    return known[login]
