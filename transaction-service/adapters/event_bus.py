"""The event bus: the `deliver` of transaction-service's outbox relay (events in
docs/architecture.md).

With `RABBITMQ_URL` set, each outbox event's envelope is published as a persistent JSON message
to the durable topic exchange `tiketq.events` (`EVENTS_EXCHANGE`), routing key = the topic
(`ORDER_EVENT_TOPICS` in shared/event_topology.py), message_id = the event id, so consumers
dedupe by it. Before the first
publish the whole topology is declared (shared/event_topology.py: the consumers' quorum queues
and the dead-letter exchange too), so an event published before any consumer started waits in
its queue. The connection is made on the first event (the service starts without a broker) and
is robust: aio-pika reconnects by itself.

A publish returns only once the broker has confirmed it: publisher confirms are on, and the
message is `mandatory` with returns raised, so an event no queue is bound to is an error rather
than silently dropped. Any failure (a nack, a return, a timeout, a lost connection) raises, and
the relay keeps the row and retries it with back-off: a row is marked sent only after the
broker's ack (at least once).

Without a URL, events are logged at INFO and count as delivered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from shared.event_topology import EventTopology, tiketq_topology
from shared.outbox import Deliver, OutboxEvent

if TYPE_CHECKING:
    # aio_pika only with a broker (RABBITMQ_URL): shared/event_topology.py says why.
    import aio_pika
    from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

logger = logging.getLogger("transaction.event_bus")

APP_ID = "transaction-service"
PUBLISH_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10.0


class EventDeliverer(Protocol):
    """A `shared.outbox.Deliver` that also owns resources to release at shutdown."""

    async def __call__(self, event: OutboxEvent) -> None: ...

    async def close(self) -> None: ...


def event_message(event: OutboxEvent) -> aio_pika.Message:
    """The envelope as a RabbitMQ message: persistent JSON, id = event id, type = topic."""
    import aio_pika

    body = json.dumps(event.envelope(), separators=(",", ":"), ensure_ascii=False).encode()
    return aio_pika.Message(
        body,
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(event.id),
        timestamp=event.created_at,
        type=event.topic,
        app_id=APP_ID,
    )


class LoggingEventDeliverer:
    """No broker configured: the event is logged and counts as delivered."""

    async def __call__(self, event: OutboxEvent) -> None:
        logger.info(
            "event %s %s (no RABBITMQ_URL: logged only)",
            event.topic,
            event.id,
            extra={"event_id": str(event.id), "topic": event.topic},
        )

    async def close(self) -> None:
        return None


Connect: TypeAlias = "Callable[[str], Awaitable[AbstractConnection]]"


async def connect_robust(url: str) -> AbstractConnection:
    import aio_pika

    return await aio_pika.connect_robust(
        url, timeout=CONNECT_TIMEOUT_SECONDS, client_properties={"connection_name": APP_ID}
    )


class RabbitMqEventDeliverer:
    """Publishes to a durable topic exchange with publisher confirms and `mandatory`; connects
    lazily and declares the topology on each new channel.

    `connect` is injectable: tests hand in a fake connection, so nothing here needs a broker."""

    def __init__(
        self,
        url: str,
        *,
        topology: EventTopology | None = None,
        connect: Connect = connect_robust,
        publish_timeout: float = PUBLISH_TIMEOUT_SECONDS,
    ) -> None:
        self._url = url
        self._topology = topology or tiketq_topology()
        self._connect = connect
        self._publish_timeout = publish_timeout
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, event: OutboxEvent) -> None:
        from aio_pika.exceptions import PublishError

        exchange = await self._ensure_exchange()
        try:
            await exchange.publish(
                event_message(event),
                routing_key=event.topic,
                mandatory=True,  # unroutable comes back (PublishError): the row stays due
                timeout=self._publish_timeout,
            )
        except PublishError:
            # Returned: no queue is bound to the topic. The channel is fine; the row stays due.
            raise
        except Exception:
            # A nack, a timeout or a dead channel: drop the channel (the connection reconnects by
            # itself) and let the relay retry this event later.
            await self._reset_channel(exchange)
            raise
        logger.debug("published %s %s", event.topic, event.id)

    async def _ensure_exchange(self) -> AbstractExchange:
        if self._exchange is not None and self._channel is not None and not self._channel.is_closed:
            return self._exchange
        async with self._lock:
            if self._exchange is not None and self._channel is not None and not self._channel.is_closed:
                return self._exchange
            if self._connection is None or self._connection.is_closed:
                self._connection = await self._connect(self._url)
            channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await self._topology.declare(channel)
            self._channel, self._exchange = channel, exchange
            return exchange

    async def _reset_channel(self, failed: AbstractExchange | None = None) -> None:
        """Drops the channel; with `failed`, only if it is still the one that failed (a publish
        running at the same time may have replaced it already)."""
        async with self._lock:
            if failed is not None and failed is not self._exchange:
                return
            channel, self._channel, self._exchange = self._channel, None, None
            if channel is not None and not channel.is_closed:
                try:
                    await channel.close()
                except Exception as exc:  # closing a broken channel may fail too; nothing to do
                    logger.debug("closing channel failed: %r", exc)

    async def close(self) -> None:
        await self._reset_channel()
        async with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed:
            await connection.close()


class AlsoToWebhook:
    """The log line first, then a signed POST of the same envelope to notification-service when
    there is no broker between them. The POST failing fails the event, and the relay retries it;
    notification-service dedupes by event id anyway."""

    def __init__(self, bus: EventDeliverer, webhook: Deliver) -> None:
        self._bus = bus
        self._webhook = webhook

    async def __call__(self, event: OutboxEvent) -> None:
        await self._bus(event)
        await self._webhook(event)

    async def close(self) -> None:
        await self._bus.close()


def make_event_deliverer(
    rabbitmq_url: str | None, *, webhook: Deliver | None = None, **options: Any
) -> EventDeliverer:
    """The deliverer for the outbox relay. With a broker, RabbitMQ only: notification-service
    reads its own queue there. Without one, the log line, then the signed webhook when one is
    given (`make dev` without RabbitMQ still notifies). Call `await deliverer.close()` at shutdown."""
    if rabbitmq_url:
        return RabbitMqEventDeliverer(rabbitmq_url, **options)
    if webhook is not None:
        return AlsoToWebhook(LoggingEventDeliverer(), webhook)
    return LoggingEventDeliverer()
