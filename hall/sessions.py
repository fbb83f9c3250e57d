"""Session length by role: staff sessions end sooner than citizens'."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from accounts import roles


def _is_staff(user) -> bool:
    return (
        user.is_staff or user.is_superuser or any(user.has_role(role) for role in roles.STAFF_ROLES)
    )


def limit_staff_session(sender, request, user, **kwargs) -> None:
    """At sign-in, end a staff member's browser session after STAFF_SESSION_AGE.

    Counted from sign-in, not from the last request: a clerk signs in again each working day.
    Token sign-ins (no session login) are left alone.
    """
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) != str(user.pk):
        return
    if _is_staff(user):
        session.set_expiry(timezone.now() + timedelta(seconds=settings.STAFF_SESSION_AGE))
