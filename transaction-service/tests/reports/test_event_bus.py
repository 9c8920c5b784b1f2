"""The outbox deliverer for RabbitMQ (adapters/event_bus.py), with a fake broker connection:
these tests never need a RabbitMQ server, so they run the same on CI and here."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import asyncpg
import pytest
from pamqp.commands import Basic

from adapters.event_bus import (
    AlsoToWebhook,
    LoggingEventDeliverer,
    RabbitMqEventDeliverer,
    event_message,
    make_event_deliverer,
)
from shared.event_topology import EXCHANGE, ORDER_EVENT_TOPICS, tiketq_topology
from shared.outbox import OutboxEvent

TOPICS = ORDER_EVENT_TOPICS


def outbox_event(topic: str = "payment.confirmed", **data: Any) -> OutboxEvent:
    payload = {"transaction_id": str(uuid.uuid4()), "amount": "1500000.00", "currency": "IDR", **data}
    return OutboxEvent(uuid.uuid4(), topic, payload, datetime(2026, 11, 27, 2, 30, 15, tzinfo=UTC))


class FakeExchange:
    def __init__(self, channel: FakeChannel, name: str, type_: Any, durable: bool) -> None:
        self.channel = channel
        self.name = name
        self.type = type_
        self.durable = durable
        self.published: list[tuple[aio_pika.Message, str, dict[str, Any]]] = []
        self.fail_next: Exception | None = None

    async def publish(self, message: aio_pika.Message, routing_key: str, **kwargs: Any) -> None:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        self.published.append((message, routing_key, kwargs))


class FakeQueue:
    def __init__(self, name: str, durable: bool, arguments: dict[str, Any] | None) -> None:
        self.name = name
        self.durable = durable
        self.arguments = arguments or {}
        self.bindings: list[tuple[str, str]] = []

    async def bind(self, exchange: FakeExchange, routing_key: str) -> None:
        self.bindings.append((exchange.name, routing_key))


class FakeChannel:
    def __init__(self, publisher_confirms: bool, on_return_raises: bool) -> None:
        self.publisher_confirms = publisher_confirms
        self.on_return_raises = on_return_raises
        self.is_closed = False
        self.exchanges: list[FakeExchange] = []
        self.queues: dict[str, FakeQueue] = {}

    async def declare_exchange(self, name: str, type_: Any, *, durable: bool = False) -> FakeExchange:
        exchange = FakeExchange(self, name, type_, durable)
        self.exchanges.append(exchange)
        return exchange

    async def declare_queue(
        self, name: str, *, durable: bool = False, arguments: dict[str, Any] | None = None
    ) -> FakeQueue:
        queue = self.queues[name] = FakeQueue(name, durable, arguments)
        return queue

    async def close(self) -> None:
        self.is_closed = True


class FakeConnection:
    def __init__(self) -> None:
        self.is_closed = False
        self.channels: list[FakeChannel] = []

    async def channel(self, publisher_confirms: bool = True, on_return_raises: bool = False) -> FakeChannel:
        channel = FakeChannel(publisher_confirms, on_return_raises)
        self.channels.append(channel)
        return channel

    async def close(self) -> None:
        self.is_closed = True


class FakeBroker:
    """Hands out connections as `connect_robust` would, and remembers them."""

    def __init__(self) -> None:
        self.connections: list[FakeConnection] = []
        self.urls: list[str] = []
        self.refuse: Exception | None = None

    async def connect(self, url: str) -> Any:
        self.urls.append(url)
        if self.refuse is not None:
            raise self.refuse
        connection = FakeConnection()
        self.connections.append(connection)
        return connection

    @property
    def exchange(self) -> FakeExchange:
        return self.connections[-1].channels[-1].exchanges[0]  # the first declared: tiketq.events


URL = "amqp://guest:guest@rabbit.test:5672/"


def broker_nack() -> aio_pika.exceptions.DeliveryError:
    """What aio-pika raises when the broker refuses a confirmed publish (Basic.Nack)."""
    return aio_pika.exceptions.DeliveryError(None, Basic.Nack(delivery_tag=1))


def test_message_carries_the_envelope_as_persistent_json() -> None:
    event = outbox_event("transaction.created", order_number="TQ-261127-ABCD1234")
    message = event_message(event)
    assert json.loads(message.body) == {
        "event_id": str(event.id),
        "topic": "transaction.created",
        "occurred_at": "2026-11-27T02:30:15+00:00",
        "data": event.payload,
    }
    assert message.body == json.dumps(event.envelope(), separators=(",", ":")).encode()
    assert message.content_type == "application/json"
    assert message.content_encoding == "utf-8"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.message_id == str(event.id)
    assert message.type == "transaction.created"
    assert message.app_id == "transaction-service"
    assert message.timestamp == event.created_at


def test_message_keeps_non_ascii_text_as_utf8() -> None:
    event = outbox_event("refund.processed", reason="Penerbangan dibatalkan — maskapai")
    assert json.loads(event_message(event).body.decode("utf-8"))["data"]["reason"] == (
        "Penerbangan dibatalkan — maskapai"
    )


@pytest.mark.parametrize("topic", TOPICS)
async def test_publishes_each_topic_with_its_routing_key(topic: str) -> None:
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    event = outbox_event(topic)
    await deliver(event)
    message, routing_key, options = broker.exchange.published[0]
    assert routing_key == topic
    assert message.message_id == str(event.id)
    assert json.loads(message.body)["topic"] == topic
    assert options["mandatory"] is True  # no queue bound to it: returned, and the publish raises
    assert options["timeout"] > 0


async def test_connects_lazily_once_with_confirms_and_a_durable_topic_exchange() -> None:
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    assert broker.connections == []  # nothing happens before the first event
    for _ in range(3):
        await deliver(outbox_event())
    assert broker.urls == [URL]
    (connection,) = broker.connections
    (channel,) = connection.channels
    assert channel.publisher_confirms is True
    assert channel.on_return_raises is True
    exchange, dead_letters = channel.exchanges
    assert exchange.name == EXCHANGE == "tiketq.events"
    assert exchange.type == aio_pika.ExchangeType.TOPIC
    assert exchange.durable is True
    assert dead_letters.name == "tiketq.events.dead-letter"
    assert dead_letters.durable is True
    assert len(exchange.published) == 3
    assert dead_letters.published == []


async def test_the_consumers_queues_are_declared_before_the_first_publish() -> None:
    """An event published before notification-service ever started waits in its queue."""
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect, topology=tiketq_topology(delivery_limit=7))
    await deliver(outbox_event())
    queues = broker.connections[0].channels[0].queues
    queue = queues["tiketq.events.notification-service"]
    assert queue.durable is True
    assert queue.arguments == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 7,
        "x-dead-letter-exchange": "tiketq.events.dead-letter",
        "x-dead-letter-routing-key": "tiketq.events.notification-service",
    }
    assert sorted(queue.bindings) == sorted(("tiketq.events", topic) for topic in ORDER_EVENT_TOPICS)
    parked = queues["tiketq.events.notification-service.dead-letter"]
    assert parked.arguments == {"x-queue-type": "quorum"}
    assert parked.bindings == [("tiketq.events.dead-letter", "tiketq.events.notification-service")]


async def test_a_failed_publish_raises_for_the_relay_and_the_next_event_uses_a_new_channel() -> None:
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    await deliver(outbox_event())
    first_channel = broker.connections[0].channels[0]
    broker.exchange.fail_next = broker_nack()
    with pytest.raises(aio_pika.exceptions.DeliveryError):
        await deliver(outbox_event())
    assert first_channel.is_closed
    retried = outbox_event()
    await deliver(retried)
    assert len(broker.connections) == 1  # the robust connection is kept
    assert len(broker.connections[0].channels) == 2
    assert broker.exchange.published[0][0].message_id == str(retried.id)


async def test_a_returned_event_raises_and_keeps_the_channel() -> None:
    """Unroutable (no queue bound to its topic): the relay keeps the row; the channel is sound."""
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    await deliver(outbox_event())
    channel = broker.connections[0].channels[0]
    returned = aio_pika.exceptions.PublishError.__new__(aio_pika.exceptions.PublishError)
    broker.exchange.fail_next = returned
    with pytest.raises(aio_pika.exceptions.PublishError):
        await deliver(outbox_event())
    assert not channel.is_closed
    await deliver(outbox_event())
    assert len(broker.connections[0].channels) == 1
    assert len(broker.exchange.published) == 2


async def test_a_failure_after_another_publish_replaced_the_channel_keeps_the_new_one() -> None:
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    await deliver(outbox_event())
    old = broker.exchange
    await deliver._reset_channel(old)  # type: ignore[arg-type]  # as a failing publish would
    await deliver(outbox_event())  # a new channel
    fresh = broker.connections[0].channels[-1]
    await deliver._reset_channel(old)  # type: ignore[arg-type]  # the same failure, late
    assert not fresh.is_closed


async def test_a_closed_connection_is_replaced() -> None:
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    await deliver(outbox_event())
    broker.connections[0].is_closed = True
    broker.connections[0].channels[0].is_closed = True
    await deliver(outbox_event())
    assert len(broker.connections) == 2
    assert len(broker.exchange.published) == 1


async def test_broker_down_raises_so_the_relay_retries_later() -> None:
    broker = FakeBroker()
    broker.refuse = ConnectionError("connection refused")
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    with pytest.raises(ConnectionError):
        await deliver(outbox_event())
    broker.refuse = None
    await deliver(outbox_event())
    assert len(broker.exchange.published) == 1


async def test_close_releases_channel_and_connection() -> None:
    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    await deliver.close()  # never connected: nothing to do
    await deliver(outbox_event())
    await deliver.close()
    assert broker.connections[0].is_closed
    assert broker.connections[0].channels[0].is_closed


async def test_without_a_url_events_are_logged_and_delivered(caplog: pytest.LogCaptureFixture) -> None:
    for url in (None, ""):
        deliver = make_event_deliverer(url)
        assert isinstance(deliver, LoggingEventDeliverer)
        event = outbox_event("transaction.failed")
        with caplog.at_level(logging.INFO, logger="transaction.event_bus"):
            await deliver(event)  # returns: the relay marks it delivered
        record = caplog.records[-1]
        assert record.levelno == logging.INFO
        assert str(event.id) in record.getMessage()
        assert "transaction.failed" in record.getMessage()
        await deliver.close()


def test_with_a_url_the_deliverer_is_rabbitmq() -> None:
    assert isinstance(make_event_deliverer(URL), RabbitMqEventDeliverer)


async def test_with_a_broker_the_webhook_is_not_used() -> None:
    """notification-service reads its queue then: the webhook would be a second copy of each event."""
    posted: list[OutboxEvent] = []

    async def webhook(event: OutboxEvent) -> None:
        posted.append(event)

    broker = FakeBroker()
    deliver = make_event_deliverer(URL, webhook=webhook, connect=broker.connect)
    assert isinstance(deliver, RabbitMqEventDeliverer)
    await deliver(outbox_event())
    assert posted == []
    assert len(broker.exchange.published) == 1


async def test_without_a_broker_events_go_to_the_webhook() -> None:
    posted: list[OutboxEvent] = []

    async def webhook(event: OutboxEvent) -> None:
        posted.append(event)

    deliver = make_event_deliverer(None, webhook=webhook)
    assert isinstance(deliver, AlsoToWebhook)
    event = outbox_event("order.completed")
    await deliver(event)
    assert posted == [event]
    await deliver.close()


async def test_the_relay_marks_events_delivered_only_after_a_publish(
    reports_pool: asyncpg.Pool, outbox: str
) -> None:
    """Wired as the outbox relay's deliver: a nacked event stays due, a published one is done."""
    from shared.outbox import OutboxRelay, add_event_on_connection

    broker = FakeBroker()
    deliver = RabbitMqEventDeliverer(URL, connect=broker.connect)
    async with reports_pool.acquire() as connection, connection.transaction():
        await connection.execute(f"DELETE FROM {outbox}")
        event_id = (
            await add_event_on_connection(connection, outbox, "payment.confirmed", {"transaction_id": "t-1"})
        ).id
    the_row = (f"SELECT * FROM {outbox} WHERE id = $1", event_id)
    relay = OutboxRelay(reports_pool, outbox, deliver, max_backoff_seconds=0)
    await deliver(outbox_event())  # open the channel, then make the next publish fail
    broker.exchange.fail_next = broker_nack()
    assert await relay.deliver_due() == 0
    row = await reports_pool.fetchrow(*the_row)
    assert row is not None
    assert row["delivered_at"] is None
    assert row["attempts"] == 1
    await reports_pool.execute(f"UPDATE {outbox} SET next_attempt_at = $1", datetime.now(UTC))
    assert await relay.deliver_due() == 1
    message, routing_key, _ = broker.exchange.published[-1]
    assert routing_key == "payment.confirmed"
    assert message.message_id == str(event_id)
    row = await reports_pool.fetchrow(*the_row)
    assert row is not None
    assert row["delivered_at"] is not None


def test_every_topic_the_money_path_writes_has_a_queue_bound_to_it() -> None:
    """Events are published `mandatory`: a topic missing from the topology would come back from
    the broker on every attempt and never leave the outbox."""
    import ast
    from pathlib import Path

    written: set[str] = set()
    for path in (Path(__file__).resolve().parents[2] / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_event"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                written.add(str(node.args[0].value))
    assert "transaction.created" in written  # the scan itself works
    bound = {topic for topics in tiketq_topology().consumers.values() for topic in topics}
    assert written <= bound, f"no queue is bound to {sorted(written - bound)}"
