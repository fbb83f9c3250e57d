"""Throttles of the API, keyed on the client's address as ``accounts.client_ip`` finds it
(an IPv6 client by its /64)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.client_ip import client_network


class ClientRateThrottle(SimpleRateThrottle):
    """A scoped throttle (``throttle_scope`` on the view) per client address.

    Signed in or not, the address is the key: an account does not buy more guesses. The rate
    is read from the settings on each request, so one setting drives page and API alike.
    """

    scope_attr = "throttle_scope"

    def __init__(self):
        # The scope is known only with the view (``allow_request``).
        pass

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_ident(self, request) -> str:
        return client_network(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
