"""Pages that sit on top of every app."""

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from matters.models import Board, Bundle, CatalogStatus
from matters.selectors import popular_matters

CARE_MODE_DAYS = 365


def home(request: HttpRequest) -> HttpResponse:
    """The portal's home page: search box, boards, most-used matters, bundles.

    Three queries whatever the catalog's size: boards with their counts of published matters,
    the most used matters, the published bundles with their counts of matters.
    """
    boards = Board.objects.annotate(
        published_count=Count("matters", filter=Q(matters__status=CatalogStatus.PUBLISHED))
    ).order_by("order", "code")
    bundles = Bundle.published.annotate(matter_count=Count("items")).order_by("code")
    return render(
        request,
        "hall/home.html",
        {
            "boards": list(boards),
            "popular": list(popular_matters()),
            "bundles": list(bundles),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers that ask for /favicon.ico get the portal's icon."""
    return redirect(static("favicon.svg"), permanent=True)


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy statement (隐私声明): what personal data the portal keeps and why."""
    return render(request, "hall/privacy.html")


@require_POST
def care_mode(request: HttpRequest) -> HttpResponse:
    """Turn the elderly-friendly mode (large text, high contrast) on or off for this browser,
    then go back to the page the switch was on."""
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    response = redirect(back)
    if request.POST.get("on") == "1":
        response.set_cookie(
            settings.CARE_MODE_COOKIE,
            "1",
            max_age=CARE_MODE_DAYS * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(settings.CARE_MODE_COOKIE, samesite="Lax")
    return response
