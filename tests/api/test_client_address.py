"""Every limit keys on the real client: ``X-Forwarded-For`` is read only from configured proxies.

With the default (no trusted proxy) a made-up ``X-Forwarded-For`` per request must not buy a
fresh allowance; behind one trusted proxy, the right-most forwarded address is the client.
Covered: tracking (API and page), tickets (API and kiosk page), licence verification (API and
page). Sign-in and sign-up are in ``tests/accounts/test_login_limits.py``.
"""

import itertools

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.client_ip import client_ip
from tests.factories import BoardFactory
from tests.throttles import set_rates
from windows.models import Ticket

pytestmark = pytest.mark.django_db

_counter = itertools.count(1)


def fresh_address() -> str:
    """A different made-up address each call."""
    n = next(_counter)
    return f"198.51.{n // 250}.{n % 250 + 1}"


# client_ip -------------------------------------------------------------------------------


def _request(remote: str = "10.0.0.1", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_default_never_reads_forwarded_for(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert client_ip(_request("10.0.0.1", "203.0.113.7")) == "10.0.0.1"


def test_one_trusted_proxy_takes_the_right_most_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry itself; our proxy appended the one it saw.
    assert client_ip(_request("10.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request("10.0.0.1", "203.0.113.7")) == "203.0.113.7"


def test_two_trusted_proxies_take_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    forwarded = "1.2.3.4, 203.0.113.7, 10.0.0.2"
    assert client_ip(_request("10.0.0.1", forwarded)) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, <script>", " , "])
def test_garbage_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.1", forwarded)) == "10.0.0.1"


def test_ipv6_is_normalised(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.1", "2001:DB8:0:0::1")) == "2001:db8::1"


def test_no_peer_address_shares_one_bucket():
    request = _request("10.0.0.1")
    request.META["REMOTE_ADDR"] = ""
    assert client_ip(request) == "0.0.0.0"


# Tracking --------------------------------------------------------------------------------


def _track_api(client, number: str, last4: str, **extra):
    return client.get(f"/api/v1/track/{number}/", {"id_last4": last4}, **extra)


def test_track_api_random_forwarded_for_is_still_throttled(api_client, settings):
    set_rates(settings, track="3/minute")
    answers = [
        _track_api(api_client, "20260101-00001", f"{n:04d}", HTTP_X_FORWARDED_FOR=fresh_address())
        for n in range(5)
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 429, 429]
    assert answers[-1].json()["code"] == "throttled"


def test_track_api_behind_a_proxy_counts_each_client_apart(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    set_rates(settings, track="2/minute")
    client_a = "203.0.113.10"

    def as_a():
        # The spoofed left part changes each time; the proxy's entry does not.
        forwarded = f"{fresh_address()}, {client_a}"
        return _track_api(api_client, "20260101-00001", "0000", HTTP_X_FORWARDED_FOR=forwarded)

    assert [as_a().status_code for _ in range(3)] == [404, 404, 429]
    other = _track_api(api_client, "20260101-00001", "0000", HTTP_X_FORWARDED_FOR="203.0.113.11")
    assert other.status_code == 404


def _track_page(client, **extra):
    return client.post("/track/", {"number": "20260101-00001", "id_last4": "0000"}, **extra)


def test_track_page_random_forwarded_for_is_still_limited(settings):
    set_rates(settings, track="2/minute")
    client = Client()
    codes = [
        _track_page(client, HTTP_X_FORWARDED_FOR=fresh_address()).status_code for _ in range(3)
    ]
    assert codes == [400, 400, 429]


def test_track_page_behind_a_proxy_counts_each_client_apart(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    set_rates(settings, track="2/minute")
    client = Client()
    # Every request comes from the proxy's own address; the clients differ behind it.
    codes = [_track_page(client, HTTP_X_FORWARDED_FOR="203.0.113.20").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert _track_page(client, HTTP_X_FORWARDED_FOR="203.0.113.21").status_code == 400


# Tickets ---------------------------------------------------------------------------------


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


def _take(client, **extra):
    return client.post("/api/v1/tickets/", {"board": "realty"}, format="json", **extra)


def test_ticket_api_is_throttled_per_client(board, settings):
    set_rates(settings, tickets="2/minute")
    client = APIClient()
    answers = [_take(client, HTTP_X_FORWARDED_FOR=fresh_address()) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    body = answers[-1].json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert int(answers[-1]["Retry-After"]) > 0
    assert Ticket.objects.count() == 2
    # Another client is not held up by the first.
    assert _take(client, REMOTE_ADDR="10.0.0.77").status_code == 201


def test_ticket_api_behind_a_proxy_uses_the_forwarded_client(board, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    set_rates(settings, tickets="1/minute")
    client = APIClient()
    assert _take(client, HTTP_X_FORWARDED_FOR="203.0.113.30").status_code == 201
    assert _take(client, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.30").status_code == 429
    assert _take(client, HTTP_X_FORWARDED_FOR="203.0.113.31").status_code == 201


def test_kiosk_page_is_limited_per_client(board, settings):
    set_rates(settings, tickets="2/minute")
    client = Client()
    data = {"take-board": "realty", "take-id_number": "", "take-phone": ""}
    codes = [
        client.post("/kiosk/", data, HTTP_X_FORWARDED_FOR=fresh_address()).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Ticket.objects.count() == 2
    refused = client.post("/kiosk/", data)
    assert "操作过于频繁" in refused.content.decode()
    # Looking at the kiosk is not limited.
    assert client.get("/kiosk/").status_code == 200


# Licence verification --------------------------------------------------------------------


def test_verify_api_is_throttled_per_client(settings):
    set_rates(settings, verify="2/minute")
    client = APIClient()
    codes = [
        client.get(
            f"/api/v1/licences/verify/CODE{n}/", HTTP_X_FORWARDED_FOR=fresh_address()
        ).status_code
        for n in range(3)
    ]
    assert codes == [404, 404, 429]


def test_verify_page_is_limited_per_client(settings):
    set_rates(settings, verify="2/minute")
    client = Client()
    codes = [
        client.get(f"/verify/CODE{n}/", HTTP_X_FORWARDED_FOR=fresh_address()).status_code
        for n in range(3)
    ]
    assert codes == [404, 404, 429]
    assert client.get("/verify/CODE9/", REMOTE_ADDR="10.0.0.78").status_code == 404


def test_ipv6_clients_are_limited_by_their_64_network(board, settings):
    set_rates(settings, tickets="2/minute", verify="2/minute")
    client = APIClient()
    hosts = [f"2001:db8:1:2::{n}" for n in range(1, 4)]
    codes = [_take(client, REMOTE_ADDR=host).status_code for host in hosts]
    assert codes == [201, 201, 429]
    assert _take(client, REMOTE_ADDR="2001:db8:1:3::1").status_code == 201
    pages = [Client(REMOTE_ADDR=host).get("/verify/NONE/").status_code for host in hosts]
    assert pages == [404, 404, 429]
