"""The address of the client a request came from: the one key of every rate limit, of the
sign-in records (django-axes) and of the throttles of the API."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# A request with no usable address (a unix socket without a proxy header) shares one bucket.
UNKNOWN_ADDRESS = "0.0.0.0"


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or, behind ``TRUSTED_PROXY_COUNT`` proxies, the
    address the outermost of them saw (counted from the right of ``X-Forwarded-For``).

    Anyone can write ``X-Forwarded-For``: read without a configured proxy, a made-up address
    per request walks around every limit. Only the entries our own proxies appended (the
    right-most ones) are trusted; anything that is not an address falls back to the peer.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "") or UNKNOWN_ADDRESS
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    return _address(forwarded[-min(proxies, len(forwarded))]) or remote


# An IPv6 host usually holds a whole /64: limits count the network, as django-ratelimit does.
IPV6_LIMIT_PREFIX = 64


def client_network(request: HttpRequest) -> str:
    """The key of the client in rate limits: its IPv4 address, or its IPv6 /64 network."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False))
    return str(address)
