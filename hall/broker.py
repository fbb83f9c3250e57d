"""The Redis broker transport the hall uses (``CELERY_BROKER_TRANSPORT``): kombu's, mended.

With kombu 5.7.0 a prefork worker that loses Redis while a late-acknowledged task runs exits
("Unrecoverable error: AttributeError: 'NoneType' object has no attribute 'hostname'").
Celery drops the lost connection's transport (``Connection.collect``) and then closes its
channel, whose clean-up (putting the unacknowledged messages back, acknowledging a task that
finished meanwhile) asks the dropped transport for a new Redis client; the transport has no
connection details left, and the ``AttributeError`` is not one of the connection errors the
worker expects, so it stops instead of reconnecting.

Here that request fails as what it is, a broker connection error, which the worker already
handles: it logs it and reconnects. Nothing is lost that was not already at risk: the
messages stay in Redis' ``unacked`` hash, given back after the visibility timeout, and every
task is safe to run twice; what Redis itself lost is re-done by the sweeps (outbox, courier
orders, papers).
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed after a loss")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
