"""The courier's signed push: good signature recorded once; forged or stale refused."""

import json
import time

import pytest
from django.core.management import call_command

from cases.models import Case
from delivery import services
from delivery.api import webhook_signature
from delivery.models import Shipment

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/delivery/webhook/"

SECRET = "test-webhook-secret"  # tests/delivery/conftest.py sets it


@pytest.fixture
def ordered(shipment) -> Shipment:
    return services.shipment_request_waybill(shipment_id=shipment.pk)


def push(client, payload, *, secret=SECRET, timestamp=None, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"X-Courier-Timestamp": timestamp}
    headers["X-Courier-Signature"] = (
        signature if signature is not None else webhook_signature(secret, timestamp, body)
    )
    return client.generic("POST", WEBHOOK, body, content_type="application/json", headers=headers)


def delivered(shipment, event_id="EV-1"):
    return {
        "waybill": shipment.waybill,
        "status": "delivered",
        "at": "2026-11-22T10:00:00+08:00",
        "event_id": event_id,
        "note": "本人签收",
    }


def test_a_signed_push_is_recorded(client, ordered):
    response = push(client, delivered(ordered))

    assert response.status_code == 200, response.content
    assert response.json() == {"result": "recorded"}
    assert Shipment.objects.get(pk=ordered.pk).status == "delivered"
    assert Case.objects.get(pk=ordered.case_id).status == "closed"
    event = ordered.history.get(external_id="EV-1")
    assert (event.source, event.note) == ("webhook", "本人签收")


def test_a_push_delivered_twice_changes_the_shipment_once(client, ordered):
    first = push(client, {**delivered(ordered), "status": "in_transit"})
    again = push(client, {**delivered(ordered), "status": "in_transit"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"result": "duplicate"}
    assert ordered.history.filter(external_id="EV-1").count() == 1
    assert ordered.history.filter(status="in_transit").count() == 1


def test_a_forged_signature_is_refused(client, ordered):
    response = push(client, delivered(ordered), secret="guessed")

    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"
    assert "detail" in response.json()
    assert Shipment.objects.get(pk=ordered.pk).status == "requested"


def test_a_body_changed_after_signing_is_refused(client, ordered):
    timestamp = str(int(time.time()))
    signed = json.dumps(delivered(ordered)).encode()
    tampered = json.dumps({**delivered(ordered), "status": "failed"}).encode()
    response = push(
        client,
        None,
        raw=tampered,
        timestamp=timestamp,
        signature=webhook_signature(SECRET, timestamp, signed),
    )
    assert response.status_code == 403


def test_a_missing_signature_is_refused(client, ordered):
    response = client.post(WEBHOOK, delivered(ordered), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "missing_signature"


def test_a_stale_push_is_refused_even_when_signed(client, ordered):
    response = push(client, delivered(ordered), timestamp=int(time.time()) - 301)

    assert response.status_code == 403
    assert response.json()["code"] == "stale_timestamp"
    assert Shipment.objects.get(pk=ordered.pk).status == "requested"


def test_without_a_secret_nothing_is_accepted(client, ordered, settings):
    settings.COURIER_WEBHOOK_SECRET = ""
    response = push(client, delivered(ordered), secret="")
    assert response.status_code == 403
    assert response.json()["code"] == "not_configured"


def test_an_unknown_waybill_is_404(client, ordered):
    response = push(client, {**delivered(ordered), "waybill": "SIM000000000000"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_waybill"


def test_an_invalid_update_is_400(client, ordered):
    response = push(client, {**delivered(ordered), "status": "teleported"})
    assert response.status_code == 400
    assert "status" in response.json()
    assert push(client, None, raw=b"not json").status_code == 400


def test_the_webhook_is_in_the_schema_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    assert f"  {WEBHOOK}:" in target.read_text()
