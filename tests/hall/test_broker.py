"""The mended Redis transport: a channel of a dropped connection fails as a connection error.

The worker survives a broker loss only for errors it expects (``connection_errors``); kombu's
own transport raised ``AttributeError`` here, which stopped the worker (the whole scenario,
with a real prefork worker and a Redis that goes down: tests/integration/test_redis_outage.py).
"""

import uuid

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Queue

from hall.broker import Transport


def connect(transport: str) -> Connection:
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    return Connection(settings.REDIS_URL, transport=transport)


def test_the_hall_uses_the_mended_transport():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    from hall.celery import app

    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)


def close_after_a_loss(transport: str) -> None:
    """Hold an unacknowledged message, drop the transport as the worker does, close."""
    connection = connect(transport)
    name = f"test-broker-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name), routing_key=name)
    tag = None
    try:
        channel = connection.channel()
        producer = connection.Producer(channel)
        producer.publish({"n": 1}, exchange=queue.exchange, routing_key=name, declare=[queue])
        message = queue(channel).get(no_ack=False)
        assert message is not None  # delivered, not acknowledged
        tag = message.delivery_tag
        connection._do_close_transport()  # what Connection.collect() leaves behind
        connection.maybe_close_channel(channel)  # tolerates connection errors only
    finally:
        with connect(transport) as clean:
            client = clean.default_channel.client
            client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
            if tag:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def test_closing_a_channel_after_a_broker_loss_is_a_connection_error():
    close_after_a_loss("hall.broker:Transport")  # no exception escapes


def test_kombus_own_transport_fails_there_with_an_attribute_error():
    # The bug the mended transport works around; when kombu fixes it, drop hall/broker.py.
    with pytest.raises(AttributeError, match="hostname"):
        close_after_a_loss("redis")
