"""The broker tier: the outbox relay publishing through `RabbitMqEventDeliverer` to the real
RabbitMQ at RABBITMQ_URL (collected only when it is set; tools/run_tests.py names the tier when
it is not). Each test declares a topology under an exchange name of its own and deletes it after,
so parallel runs on one broker never see each other's events."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from adapters.event_bus import RabbitMqEventDeliverer
from shared.event_topology import NOTIFICATIONS, EventTopology, tiketq_topology
from shared.outbox import OutboxRelay, add_event_on_connection
from testkit.rabbitmq import broker_alone, broker_shared, broker_stopped

URL = os.environ.get("RABBITMQ_URL", "")


@pytest.fixture(autouse=True)
def broker_in_use(request: pytest.FixtureRequest) -> Iterator[None]:
    """Other suites use the broker at the same time: hold it shared, so that no restart lands in
    the middle of a test; a test that restarts it asks for `restarts_broker` and holds it alone."""
    if "restarts_broker" in request.fixturenames:
        yield
        return
    with broker_shared():
        yield


@pytest.fixture
def restarts_broker() -> Iterator[None]:
    """Asked for by a test that stops and starts the broker: it has the broker to itself."""
    with broker_alone():
        yield


@pytest.fixture
async def admin_channel() -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect_robust(URL)
    channel = await connection.channel()
    yield channel
    await connection.close()


@pytest.fixture
async def topology() -> AsyncIterator[EventTopology]:
    topology = tiketq_topology(f"test.{uuid.uuid4().hex[:12]}.events", delivery_limit=3)
    yield topology
    connection = await aio_pika.connect(URL)  # a fresh one: the broker may just have restarted
    try:
        await topology.delete(await connection.channel())
    finally:
        await connection.close()


@pytest.fixture
async def clean_outbox(reports_pool: asyncpg.Pool, outbox: str) -> str:
    await reports_pool.execute(f"DELETE FROM {outbox}")
    return outbox


async def add(pool: asyncpg.Pool, outbox: str, topic: str) -> uuid.UUID:
    async with pool.acquire() as connection, connection.transaction():
        payload = {"order_id": str(uuid.uuid4()), "user_id": "u-1"}
        return (await add_event_on_connection(connection, outbox, topic, payload)).id


async def row(pool: asyncpg.Pool, outbox: str, event_id: uuid.UUID) -> asyncpg.Record:
    record = await pool.fetchrow(f"SELECT * FROM {outbox} WHERE id = $1", event_id)
    assert record is not None
    return record


async def make_due(pool: asyncpg.Pool, outbox: str) -> None:
    await pool.execute(f"UPDATE {outbox} SET next_attempt_at = $1", datetime.now(UTC))


async def drain(
    channel: aio_pika.abc.AbstractChannel, queue_name: str
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    queue = await channel.get_queue(queue_name, ensure=False)
    messages = []
    while (message := await queue.get(fail=False, timeout=5)) is not None:
        await message.ack()
        messages.append(message)
    return messages


async def test_a_relayed_event_is_confirmed_and_waits_in_the_consumers_queue(
    reports_pool: asyncpg.Pool,
    clean_outbox: str,
    topology: EventTopology,
    admin_channel: aio_pika.abc.AbstractChannel,
) -> None:
    """No consumer has ever run: the publisher's own declaration routes the event to its queue."""
    deliver = RabbitMqEventDeliverer(URL, topology=topology)
    relay = OutboxRelay(reports_pool, clean_outbox, deliver)
    event_id = await add(reports_pool, clean_outbox, "order.completed")
    try:
        assert await relay.deliver_due() == 1
    finally:
        await deliver.close()
    assert (await row(reports_pool, clean_outbox, event_id))["delivered_at"] is not None
    (message,) = await drain(admin_channel, topology.queue(NOTIFICATIONS))
    assert message.message_id == str(event_id)
    assert message.routing_key == "order.completed"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert json.loads(message.body)["event_id"] == str(event_id)


async def test_an_event_no_queue_is_bound_to_comes_back_and_its_row_stays_due(
    reports_pool: asyncpg.Pool,
    clean_outbox: str,
    admin_channel: aio_pika.abc.AbstractChannel,
) -> None:
    """`mandatory` with returns raised: a misconfigured topology is an error, never a lost event."""
    nobody_reads = EventTopology(f"test.{uuid.uuid4().hex[:12]}.events", {})
    deliver = RabbitMqEventDeliverer(URL, topology=nobody_reads)
    relay = OutboxRelay(reports_pool, clean_outbox, deliver, max_backoff_seconds=0)
    event_id = await add(reports_pool, clean_outbox, "order.completed")
    try:
        assert await relay.deliver_due() == 0
        kept = await row(reports_pool, clean_outbox, event_id)
        assert kept["delivered_at"] is None
        assert kept["attempts"] == 1
        assert "NO_ROUTE" in kept["last_error"]
        # Once a consumer's queue is bound, the same row goes out on the next pass.
        fixed = tiketq_topology(nobody_reads.exchange)
        await fixed.declare(admin_channel)
        await make_due(reports_pool, clean_outbox)
        assert await relay.deliver_due() == 1
        assert (await row(reports_pool, clean_outbox, event_id))["delivered_at"] is not None
        (message,) = await drain(admin_channel, fixed.queue(NOTIFICATIONS))
        assert message.message_id == str(event_id)
    finally:
        await deliver.close()
        await tiketq_topology(nobody_reads.exchange).delete(admin_channel)


async def test_events_written_while_the_broker_restarts_leave_once_it_is_back(
    reports_pool: asyncpg.Pool,
    clean_outbox: str,
    topology: EventTopology,
    restarts_broker: None,
) -> None:
    deliver = RabbitMqEventDeliverer(URL, topology=topology, publish_timeout=3)
    relay = OutboxRelay(reports_pool, clean_outbox, deliver, max_backoff_seconds=0)
    before = await add(reports_pool, clean_outbox, "transaction.created")
    try:
        assert await relay.deliver_due() == 1
        with broker_stopped():
            waiting = [await add(reports_pool, clean_outbox, "payment.confirmed") for _ in range(3)]
            assert await relay.deliver_due() == 0  # every publish fails: the rows are the queue
            for event_id in waiting:
                assert (await row(reports_pool, clean_outbox, event_id))["delivered_at"] is None
        delivered = 0
        for _ in range(60):  # the robust connection comes back within seconds
            await make_due(reports_pool, clean_outbox)
            delivered += await relay.deliver_due()
            if delivered == len(waiting):
                break
            await asyncio.sleep(0.5)
        assert delivered == len(waiting)
    finally:
        await deliver.close()
    connection: AbstractRobustConnection = await aio_pika.connect_robust(URL)
    try:
        channel = await connection.channel()
        messages = await drain(channel, topology.queue(NOTIFICATIONS))
    finally:
        await connection.close()
    # Persistent messages in a quorum queue survive the restart: nothing lost, nothing doubled.
    assert sorted(m.message_id or "" for m in messages) == sorted(str(i) for i in (before, *waiting))
