"""Rate limits of the HTML pages, per client address, at the rates the API's throttles use.

The rates live in one place, ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``10/minute``…),
read on every call so that a changed setting holds at once; django-ratelimit counts them in
the cache (Redis when configured, shared by every web process).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from .client_ip import client_network


def throttle_rate(scope: str) -> str:
    """The rate of ``scope`` as the settings write it (``10/minute``)."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return rates[scope]


PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_period_seconds(scope: str) -> int:
    """The period of ``scope``'s rate in seconds (``10/minute`` → 60)."""
    period = throttle_rate(scope).partition("/")[2].strip()[:1]
    return PERIOD_SECONDS.get(period, 60)


def _ratelimit_rate(scope: str) -> str:
    count, _slash, period = throttle_rate(scope).partition("/")
    return f"{count.strip()}/{period.strip()[:1] or 'm'}"


def _address_key(_group: str, request: HttpRequest) -> str:
    return client_network(request)


def address_limited(request: HttpRequest, scope: str, *, increment: bool = True) -> bool:
    """Whether the client's address is over the ``scope`` rate; counts this request when
    ``increment`` (without it, only looks: ``True`` once the allowance is used up)."""
    usage = get_usage(
        request,
        group=f"onetrip:{scope}",
        key=_address_key,
        rate=_ratelimit_rate(scope),
        increment=increment,
    )
    if usage is None:
        return False
    if increment:
        return usage["should_limit"]
    return usage["count"] >= usage["limit"]


def rate_limited_response(request: HttpRequest, *, message: str = "") -> HttpResponse:
    """The page a client over its rate sees: 429, in plain words, nothing else."""
    return render(
        request,
        "accounts/rate_limited.html",
        {"message": message or _("操作过于频繁，请稍后再试。")},
        status=429,
    )
