"""A sign-in limit per client address, across usernames, beside django-axes' per-username
lockout: one address trying a common password on many accounts (password spraying) is stopped
although no single username fails often."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

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
