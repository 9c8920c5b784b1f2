"""The broker tier: notification-service consuming the real RabbitMQ at RABBITMQ_URL (collected
only when it is set; tools/run_tests.py names the tier when it is not), through `create_app` on
the suite's real database. Each test has an exchange name of its own and deletes it after."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractChannel, AbstractExchange
from fastapi import FastAPI

from adapters.event_consumer import RabbitMqEventConsumer
from app import create_app
from domain.models import Channel
from shared.event_topology import NOTIFICATIONS, BrokerSettings, EventTopology
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from testkit.rabbitmq import broker_alone, broker_shared, broker_stopped
from tests.conftest import make_settings
from tests.events import completed, created
from tests.fakes import Accounts, Clock, Profiles, RecordingSender

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
def broker() -> BrokerSettings:
    return BrokerSettings(  # type: ignore[call-arg]
        RABBITMQ_URL=URL, EVENTS_EXCHANGE=f"test.{uuid.uuid4().hex[:12]}.events", EVENTS_DELIVERY_LIMIT=2
    )


@pytest.fixture
async def channel(broker: BrokerSettings) -> AsyncIterator[AbstractChannel]:
    connection = await aio_pika.connect(URL)
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    yield channel
    await broker.topology().delete(channel)
    await connection.close()


@pytest.fixture
async def exchange(broker: BrokerSettings, channel: AbstractChannel) -> AbstractExchange:
    return await broker.topology().declare(channel)


@pytest.fixture
async def database(migrated_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(migrated_database_url)
    await connection.execute("TRUNCATE notifications, received_events")
    yield connection
    await connection.close()


@pytest.fixture
def broker_app(
    migrated_database_url: str,
    broker: BrokerSettings,
    email: RecordingSender,
    sms: RecordingSender,
    profiles: Profiles,
    clock: Clock,
    accounts: Accounts,
    test_keys: TestKeys,
) -> FastAPI:
    return create_app(
        replace(make_settings(migrated_database_url), broker=broker),
        senders={Channel.EMAIL: email, Channel.SMS: sms},
        preferences=profiles,
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        clock=clock,
        workers=False,
    )


def envelope(topic: str, data: dict[str, Any], event_id: uuid.UUID | None = None) -> aio_pika.Message:
    event_id = event_id or uuid.uuid4()
    body = {
        "event_id": str(event_id),
        "topic": topic,
        "occurred_at": "2026-12-04T02:00:00+00:00",
        "data": data,
    }
    return aio_pika.Message(
        json.dumps(body).encode(), message_id=str(event_id), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
    )


async def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def queued_for(database: asyncpg.Connection, event_id: uuid.UUID) -> int:
    count: int = await database.fetchval("SELECT count(*) FROM notifications WHERE event_id = $1", event_id)
    return count


async def queue_depths(channel: AbstractChannel, topology: EventTopology) -> tuple[int, int]:
    """Ready messages in the consumer's queue and in its dead-letter queue."""
    live = await channel.declare_queue(topology.queue(NOTIFICATIONS), passive=True)
    dead = await channel.declare_queue(topology.dead_letter_queue(NOTIFICATIONS), passive=True)
    return live.declaration_result.message_count or 0, dead.declaration_result.message_count or 0


async def test_an_event_from_the_queue_queues_its_messages_once_even_when_redelivered(
    broker_app: FastAPI, exchange: AbstractExchange, database: asyncpg.Connection
) -> None:
    event_id = uuid.uuid4()
    async with running_app(broker_app):
        consumer: RabbitMqEventConsumer = broker_app.state.event_consumer
        await asyncio.wait_for(consumer.consuming.wait(), 15)
        await exchange.publish(envelope("transaction.created", created(), event_id), "transaction.created")
        queued = await eventually(lambda: queued_for(database, event_id))
        assert queued == 2  # the payment instructions by email and SMS
        # The relay publishes again (it is at least once): the same event id changes nothing.
        await exchange.publish(envelope("transaction.created", created(), event_id), "transaction.created")
        await exchange.publish(envelope("order.completed", completed()), "order.completed")
        await eventually(lambda: database.fetchval("SELECT count(*) = 2 FROM received_events"))
    assert await queued_for(database, event_id) == 2
    assert await database.fetchval("SELECT count(*) FROM received_events") == 2


async def test_a_crash_after_recording_but_before_the_ack_is_redelivered_and_sends_nothing_twice(
    app: FastAPI,
    broker: BrokerSettings,
    exchange: AbstractExchange,
    channel: AbstractChannel,
    database: asyncpg.Connection,
) -> None:
    """The use case commits, then the consumer dies before its ack: the broker hands the message
    out again, and the recorded event id makes the second pass queue nothing."""
    event_id = uuid.uuid4()
    outcomes: list[str] = []
    async with running_app(app):  # the app without a broker: this test's consumer is the only one
        receive = app.state.receive_event

        async def crash_once(event: uuid.UUID, topic: str, data: dict[str, Any]) -> Any:
            outcome = await receive.handle(event, topic, data)
            outcomes.append(outcome[0].value)
            if len(outcomes) == 1:
                raise RuntimeError("the process died before its ack")
            return outcome

        async def redelivered() -> bool:
            return len(outcomes) >= 2

        consumer = RabbitMqEventConsumer(URL, broker.topology(), crash_once, pause=lambda _: 0.0)
        task = asyncio.create_task(consumer.run())
        try:
            await asyncio.wait_for(consumer.consuming.wait(), 15)
            await exchange.publish(
                envelope("transaction.created", created(), event_id), "transaction.created"
            )
            await eventually(redelivered)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert outcomes == ["queued", "duplicate"]
    assert await queued_for(database, event_id) == 2
    assert await queue_depths(channel, broker.topology()) == (0, 0)


async def test_an_unreadable_message_goes_to_the_dead_letter_queue(
    broker_app: FastAPI,
    broker: BrokerSettings,
    exchange: AbstractExchange,
    channel: AbstractChannel,
    database: asyncpg.Connection,
) -> None:
    async with running_app(broker_app):
        await asyncio.wait_for(broker_app.state.event_consumer.consuming.wait(), 15)
        await exchange.publish(aio_pika.Message(b'{"topic": "order.completed"'), "order.completed")
        depths = await eventually(
            lambda: _when(queue_depths(channel, broker.topology()), lambda d: d == (0, 1))
        )
        assert depths == (0, 1)
    parked = await (await channel.get_queue(broker.topology().dead_letter_queue(NOTIFICATIONS))).get(
        timeout=5
    )
    assert parked.body == b'{"topic": "order.completed"'
    assert parked.headers["x-death"][0]["reason"] == "rejected"  # type: ignore[index,call-overload]
    await parked.ack()
    assert await database.fetchval("SELECT count(*) FROM received_events") == 0


async def test_an_event_that_keeps_failing_is_dead_lettered_after_the_delivery_limit(
    broker: BrokerSettings, exchange: AbstractExchange, channel: AbstractChannel
) -> None:
    attempts: list[uuid.UUID] = []

    async def database_down(event: uuid.UUID, topic: str, data: dict[str, Any]) -> Any:
        attempts.append(event)
        raise ConnectionError("database unavailable")

    consumer = RabbitMqEventConsumer(URL, broker.topology(), database_down, pause=lambda _: 0.0)
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(consumer.consuming.wait(), 15)
        await exchange.publish(envelope("order.completed", completed()), "order.completed")
        depths = await eventually(
            lambda: _when(queue_depths(channel, broker.topology()), lambda d: d == (0, 1))
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert depths == (0, 1)
    assert len(attempts) == 1 + broker.delivery_limit  # the first delivery, then the limit's


async def _when(value: Any, accept: Callable[[Any], bool]) -> Any:
    result = await value
    return result if accept(result) else None


async def publish(topology: EventTopology, message: aio_pika.Message, topic: str) -> None:
    """On a connection of its own, so it does not matter what a restart did to the others."""
    connection = await aio_pika.connect(URL)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(topology.exchange, ensure=False)
        await exchange.publish(message, topic, mandatory=True)
    finally:
        await connection.close()


async def test_after_a_broker_restart_the_consumer_comes_back_by_itself(
    broker_app: FastAPI, broker: BrokerSettings, database: asyncpg.Connection, restarts_broker: None
) -> None:
    topology = broker.topology()
    before, after = uuid.uuid4(), uuid.uuid4()
    try:
        async with running_app(broker_app) as client:
            await asyncio.wait_for(broker_app.state.event_consumer.consuming.wait(), 15)
            await publish(topology, envelope("transaction.created", created(), before), "transaction.created")
            assert await eventually(lambda: queued_for(database, before)) == 2
            with broker_stopped():
                # The service stays ready: readiness is its database, not the broker.
                assert (await client.get("/readyz")).status_code == 200
            another_order = {**created(), "order_id": str(uuid.uuid4())}
            await publish(
                topology, envelope("transaction.created", another_order, after), "transaction.created"
            )
            assert await eventually(lambda: queued_for(database, after), timeout=60) == 2
    finally:
        connection = await aio_pika.connect(URL)
        try:
            await topology.delete(await connection.channel())
        finally:
            await connection.close()
