"""The broker tier: the events' topology declared on the real RabbitMQ at RABBITMQ_URL (collected
only when it is set; tools/run_tests.py names the tier when it is not). Each test uses an exchange
name of its own and deletes everything after."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractConnection

from shared.event_topology import NOTIFICATIONS, EventTopology, tiketq_topology
from testkit.rabbitmq import broker_shared

URL = os.environ.get("RABBITMQ_URL", "")


@pytest.fixture(autouse=True)
def broker_in_use() -> Iterator[None]:
    """Other suites use the broker at the same time: no restart lands in the middle of a test."""
    with broker_shared():
        yield


@pytest.fixture
async def connection() -> AsyncIterator[AbstractConnection]:
    connection = await aio_pika.connect(URL)
    yield connection
    await connection.close()


@pytest.fixture
async def topology(connection: AbstractConnection) -> AsyncIterator[EventTopology]:
    topology = tiketq_topology(f"test.{uuid.uuid4().hex[:12]}.events", delivery_limit=3)
    yield topology
    await topology.delete(await connection.channel())


async def depth(channel: AbstractChannel, queue: str) -> int:
    declared = await channel.declare_queue(queue, passive=True)
    return declared.declaration_result.message_count or 0


async def test_publisher_and_consumer_declare_the_same_topology_in_either_order(
    connection: AbstractConnection, topology: EventTopology
) -> None:
    publisher = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await topology.declare(publisher)
    await exchange.publish(
        aio_pika.Message(b"{}", message_id="before-any-consumer"), "order.completed", mandatory=True
    )
    consumer = await connection.channel()
    queue = await topology.consumer_queue(consumer, NOTIFICATIONS)  # declares it all again: a no-op
    await topology.declare(publisher)
    message = await queue.get(timeout=5)
    assert message.message_id == "before-any-consumer"
    await message.ack()
    assert await depth(consumer, topology.queue(NOTIFICATIONS)) == 0


async def test_an_unbound_topic_comes_back_to_the_publisher(
    connection: AbstractConnection, topology: EventTopology
) -> None:
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await topology.declare(channel)
    with pytest.raises(aio_pika.exceptions.PublishError):
        await exchange.publish(aio_pika.Message(b"{}"), "nobody.reads.this", mandatory=True)


async def test_a_message_given_back_past_the_delivery_limit_is_dead_lettered(
    connection: AbstractConnection, topology: EventTopology
) -> None:
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await topology.declare(channel)
    await exchange.publish(aio_pika.Message(b'{"poison": true}'), "refund.processed", mandatory=True)
    queue = await channel.get_queue(topology.queue(NOTIFICATIONS), ensure=False)
    deliveries = 0
    while (message := await queue.get(fail=False, timeout=5)) is not None:
        deliveries += 1
        await message.nack(requeue=True)
        assert deliveries <= 10, "never dead-lettered"
    assert deliveries == 1 + topology.delivery_limit
    parked = await channel.get_queue(topology.dead_letter_queue(NOTIFICATIONS), ensure=False)
    dead = await parked.get(timeout=5)
    assert dead.body == b'{"poison": true}'
    assert dead.headers["x-death"][0]["reason"] == "delivery_limit"  # type: ignore[index,call-overload]
    await dead.ack()


async def test_a_queue_declared_with_another_delivery_limit_is_refused(
    connection: AbstractConnection, topology: EventTopology
) -> None:
    """Why EVENTS_DELIVERY_LIMIT must be the same on the publisher and the consumer."""
    await topology.declare(await connection.channel())
    other = tiketq_topology(topology.exchange, delivery_limit=topology.delivery_limit + 1)
    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
        await other.declare(await connection.channel())
