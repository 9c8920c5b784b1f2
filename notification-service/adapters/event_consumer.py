"""The money path's events from notification-service's RabbitMQ queue (docs/architecture.md,
events), when `RABBITMQ_URL` is set; without a broker they arrive as signed webhooks instead.

Each message is the outbox envelope `{event_id, topic, occurred_at, data}`. It goes through the
same use case as the webhook (`ReceiveEvent.handle`: the event id and the messages it owes are
recorded in one transaction) and is acknowledged only after that commit, so:

- a crash before the ack → the broker hands the message out again → the event id is already
  recorded → nothing is queued twice (a redelivered event never sends a second message);
- a body that is not an envelope → rejected without requeue → the queue's dead-letter queue
  (retrying cannot make it readable);
- the use case failing (the database away) → requeued after a pause that grows with the
  message's `x-delivery-count`; past the queue's delivery limit the broker dead-letters it.

The queue and everything around it are declared from shared/event_topology.py, the same way the
publisher declares them. The connection is robust: after a broker restart aio-pika reconnects and
re-consumes by itself; until the first connection succeeds, `run` keeps trying with back-off, so
the service starts (and answers /readyz) without a broker.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import ValidationError

from shared.event_topology import NOTIFICATIONS, EventTopology
from shared.signed_events import EventEnvelope

if TYPE_CHECKING:
    # aio_pika only with a broker (RABBITMQ_URL): shared/event_topology.py says why.
    from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

logger = logging.getLogger("notification.event_consumer")

APP_ID = "notification-service"
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_RECONNECT_SECONDS = 30.0
MAX_RETRY_PAUSE_SECONDS = 30.0

Handle = Callable[[uuid.UUID, str, dict[str, Any]], Awaitable[Any]]
Connect: TypeAlias = "Callable[[str], Awaitable[AbstractRobustConnection]]"


async def connect_robust(url: str) -> AbstractRobustConnection:
    import aio_pika

    return await aio_pika.connect_robust(
        url, timeout=CONNECT_TIMEOUT_SECONDS, client_properties={"connection_name": APP_ID}
    )


def retry_pause(delivery_count: int) -> float:
    """Seconds before a failed message goes back: 1, 2, 4, … up to 30."""
    return float(min(MAX_RETRY_PAUSE_SECONDS, 2 ** min(max(delivery_count, 0), 10)))


class RabbitMqEventConsumer:
    def __init__(
        self,
        url: str,
        topology: EventTopology,
        handle: Handle,
        *,
        consumer: str = NOTIFICATIONS,
        prefetch: int = 16,
        connect: Connect = connect_robust,
        pause: Callable[[int], float] = retry_pause,
    ) -> None:
        self._url = url
        self._topology = topology
        self._handle = handle
        self._consumer = consumer
        self._prefetch = prefetch
        self._connect = connect
        self._pause = pause
        self.consuming = asyncio.Event()  # set once the queue is consumed (tests wait for it)

    async def run(self) -> None:
        """Consumes until cancelled."""
        delay = 1.0
        while True:
            connection: AbstractRobustConnection | None = None
            try:
                connection = await self._connect(self._url)
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=self._prefetch)
                queue = await self._topology.consumer_queue(channel, self._consumer)
                await queue.consume(self._on_message)
                logger.info("consuming %s", queue.name)
                self.consuming.set()
                await asyncio.Future()  # the robust connection carries on by itself from here
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("event queue unavailable (%r): retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_SECONDS)
            finally:
                self.consuming.clear()
                if connection is not None and not connection.is_closed:
                    await connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = EventEnvelope.model_validate_json(message.body)
        except ValidationError as exc:
            logger.error(
                "unreadable event %s: dead-lettered (%d errors)",
                message.message_id,
                exc.error_count(),
                extra={"message_id": message.message_id, "routing_key": message.routing_key},
            )
            await message.reject(requeue=False)
            return
        extra = {"event_id": str(envelope.event_id), "topic": envelope.topic}
        try:
            outcome = await self._handle(envelope.event_id, envelope.topic, envelope.data)
        except Exception as exc:
            count = message.headers.get("x-delivery-count")
            pause = self._pause(count if isinstance(count, int) else 0)
            logger.warning(
                "event %s not recorded (%r): back in %.0f s", envelope.topic, exc, pause, extra=extra
            )
            await asyncio.sleep(pause)
            await message.nack(requeue=True)
            return
        await message.ack()
        logger.info("event %s %s", envelope.topic, _outcome_name(outcome), extra=extra)


def _outcome_name(outcome: Any) -> str:
    """`ReceiveEvent.handle` answers (outcome, how many messages were queued)."""
    first = outcome[0] if isinstance(outcome, tuple) and outcome else outcome
    return str(getattr(first, "value", first))
