"""Public tracking: case number plus the last 4 characters of the ID number."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django_ratelimit.decorators import ratelimit

from ..api import find_tracked_case
from ..forms import TrackForm
from ..serializers import track_data

TRACK_NOT_FOUND = gettext_lazy("未找到匹配的办件，请核对办件编号和证件号码后四位。")


def _track_rate(group: str, request: HttpRequest) -> str:
    """The API's tracking rate (``TRACK_RATE``, e.g. ``10/minute``) as django-ratelimit
    writes it (``10/m``), so that the page and the API allow the same."""
    rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get("track") or "10/minute"
    count, _slash, period = rate.partition("/")
    return f"{count}/{period[:1] or 'm'}"


@ratelimit(key="ip", rate=_track_rate, method="POST", block=False)
def track(request: HttpRequest) -> HttpResponse:
    """Public progress by case number and the identity's last 4 characters.

    A wrong pair gives the same answer whether or not the case exists; guesses are limited
    per client address.
    """
    if request.method == "POST":
        form = TrackForm(request.POST)
        if getattr(request, "limited", False):
            return render(
                request,
                "cases/track.html",
                {
                    "form": TrackForm(initial={"number": request.POST.get("number", "")}),
                    "limited": True,
                },
                status=429,
            )
        if form.is_valid():
            case = find_tracked_case(form.cleaned_data["number"], form.cleaned_data["id_last4"])
            if case is not None:
                return render(request, "cases/track_result.html", {"track": track_data(case)})
            form.add_error(None, TRACK_NOT_FOUND)
        return render(request, "cases/track.html", {"form": form}, status=400)
    form = TrackForm(initial={"number": request.GET.get("number", "")[:20]})
    return render(request, "cases/track.html", {"form": form})
