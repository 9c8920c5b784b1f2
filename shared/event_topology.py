"""Where the money path's events live on RabbitMQ (docs/architecture.md, events).

One description, declared the same way by the publisher (transaction-service's outbox relay) and
by every consumer (notification-service), so whichever starts first finds everything in place and
an event published before any consumer ever ran is still routed to its queue:

- `tiketq.events`: a durable topic exchange; routing key = the event's topic.
- each consumer's quorum queue `tiketq.events.<consumer>`, bound to the topics it reads, with a
  delivery limit: a message handed out that many times without an ack is dead-lettered instead of
  looping forever;
- `tiketq.events.dead-letter`: a durable direct exchange; a consumer's rejected or over-limit
  messages go to its own quorum queue `tiketq.events.<consumer>.dead-letter`, where an operator
  can read them (their `x-death` header says why) and move them back.

Declaring is idempotent: the same name with the same arguments is a no-op for the broker. A
different name prefix (`EVENTS_EXCHANGE`) gives a whole separate set, which is how test stacks
sharing one broker stay apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from shared.settings import SettingsBase

if TYPE_CHECKING:
    # aio_pika is imported where a broker is used: without RABBITMQ_URL (make dev, the tests) the
    # services read only BrokerSettings, and aio_pika with its dependencies is ~3 MiB a process.
    from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue
    from pamqp.common import FieldTable

EXCHANGE = "tiketq.events"
NOTIFICATIONS = "notification-service"

# Every topic transaction-service's outbox publishes. It publishes with `mandatory`, so a topic
# here that no queue is bound to comes back to it as an error: each one needs a reader.
ORDER_EVENT_TOPICS = (
    "transaction.created",
    "payment.instructions",
    "payment.confirmed",
    "order.completed",
    "transaction.failed",
    "refund.processed",
)
DEFAULT_DELIVERY_LIMIT = 10


class BrokerSettings(SettingsBase):
    """The broker (optional): RABBITMQ_URL (or _FILE), the exchange's name, how many unacked
    messages a consumer holds, how many deliveries a message gets before it is dead-lettered."""

    url: str | None = Field(default=None, alias="RABBITMQ_URL")
    exchange: str = Field(
        default=EXCHANGE, alias="EVENTS_EXCHANGE", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
    )
    prefetch: int = Field(default=16, alias="EVENTS_PREFETCH", ge=1, le=1000)
    delivery_limit: int = Field(default=DEFAULT_DELIVERY_LIMIT, alias="EVENTS_DELIVERY_LIMIT", ge=1, le=1000)

    @field_validator("url")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None  # RABBITMQ_URL= (as compose passes an unset one) means no broker

    def topology(self) -> EventTopology:
        return tiketq_topology(self.exchange, delivery_limit=self.delivery_limit)


@dataclass(frozen=True)
class EventTopology:
    exchange: str
    # consumer name → the routing keys its queue is bound to
    consumers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.exchange}.dead-letter"

    def queue(self, consumer: str) -> str:
        return f"{self.exchange}.{consumer}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.queue(consumer)}.dead-letter"

    def queue_arguments(self, consumer: str) -> FieldTable:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": self.queue(consumer),
        }

    async def declare(self, channel: AbstractChannel) -> AbstractExchange:
        """Declares everything (idempotently) and gives the exchange to publish to."""
        import aio_pika

        exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        dead_letters = await channel.declare_exchange(
            self.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
        )
        for consumer, topics in self.consumers.items():
            parked = await channel.declare_queue(
                self.dead_letter_queue(consumer), durable=True, arguments={"x-queue-type": "quorum"}
            )
            await parked.bind(dead_letters, routing_key=self.queue(consumer))
            queue = await channel.declare_queue(
                self.queue(consumer), durable=True, arguments=self.queue_arguments(consumer)
            )
            for topic in topics:
                await queue.bind(exchange, routing_key=topic)
        return exchange

    async def consumer_queue(self, channel: AbstractChannel, consumer: str) -> AbstractQueue:
        """Declares everything, then gives the consumer's queue."""
        if consumer not in self.consumers:
            raise KeyError(f"{consumer!r} is not a consumer of {self.exchange}")
        await self.declare(channel)
        return await channel.declare_queue(
            self.queue(consumer), durable=True, arguments=self.queue_arguments(consumer)
        )

    async def delete(self, channel: AbstractChannel) -> None:
        """Removes every queue and exchange (test runs clean up after themselves)."""
        for consumer in self.consumers:
            await channel.queue_delete(self.queue(consumer))
            await channel.queue_delete(self.dead_letter_queue(consumer))
        await channel.exchange_delete(self.exchange)
        await channel.exchange_delete(self.dead_letter_exchange)


def tiketq_topology(
    exchange: str = EXCHANGE, *, delivery_limit: int = DEFAULT_DELIVERY_LIMIT
) -> EventTopology:
    """Today's consumers: notification-service reads every order event (those that owe the
    customer nothing are recorded and acknowledged)."""
    return EventTopology(exchange, {NOTIFICATIONS: ORDER_EVENT_TOPICS}, delivery_limit)
