"""The kiosk's device credential: a signed cookie naming a ``Kiosk`` that staff registered.

Only a browser carrying it may check an appointment in by ID number (the machine in the hall
reads the card of the person in front of it); anywhere else a booking checks in only by its
own code. Staff revoke a kiosk by deactivating it in the admin.
"""

import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .models import Kiosk

KIOSK_COOKIE = "onetrip_kiosk"
KIOSK_SALT = "windows.kiosk"
KIOSK_MAX_AGE = datetime.timedelta(days=365)


def kiosk_of(request: HttpRequest) -> Kiosk | None:
    """The active kiosk this browser was registered as, or ``None``."""
    value = request.get_signed_cookie(
        KIOSK_COOKIE, default=None, salt=KIOSK_SALT, max_age=KIOSK_MAX_AGE
    )
    if not value or not value.isdigit():
        return None
    return Kiosk.objects.filter(pk=int(value), active=True).first()


def kiosk_remember(response: HttpResponse, kiosk: Kiosk) -> None:
    """Make the browser that receives ``response`` the kiosk ``kiosk``."""
    response.set_signed_cookie(
        KIOSK_COOKIE,
        str(kiosk.pk),
        salt=KIOSK_SALT,
        max_age=int(KIOSK_MAX_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def kiosk_forget(response: HttpResponse) -> None:
    """This browser is no longer a kiosk."""
    response.delete_cookie(KIOSK_COOKIE, samesite="Lax")
