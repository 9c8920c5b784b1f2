"""What the queue consumer (adapters/event_consumer.py) does with each message, with fake messages
and a fake connection: these run without a broker (the broker tier runs the same against RabbitMQ)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from adapters.event_consumer import RabbitMqEventConsumer, retry_pause
from domain.receive_event import Outcome
from shared.event_topology import tiketq_topology


class FakeMessage:
    def __init__(self, body: bytes, headers: dict[str, Any] | None = None) -> None:
        self.body = body
        self.headers = headers or {}
        self.message_id = "m-1"
        self.routing_key = "order.completed"
        self.settled: list[str] = []

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nack(self, requeue: bool = True) -> None:
        self.settled.append(f"nack requeue={requeue}")

    async def reject(self, requeue: bool = False) -> None:
        self.settled.append(f"reject requeue={requeue}")


def an_envelope(event_id: uuid.UUID, topic: str = "order.completed") -> bytes:
    data = {"order_id": str(uuid.uuid4()), "user_id": "u-1"}
    body = {"event_id": str(event_id), "topic": topic, "occurred_at": "2026-12-04T02:00:00Z", "data": data}
    return json.dumps(body).encode()


class Handler:
    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple[uuid.UUID, str, dict[str, Any]]] = []
        self.fail = fail

    async def __call__(self, event_id: uuid.UUID, topic: str, data: dict[str, Any]) -> Any:
        self.calls.append((event_id, topic, data))
        if self.fail is not None:
            raise self.fail
        return Outcome.QUEUED, 1


def consumer(handle: Handler, pauses: list[int] | None = None) -> RabbitMqEventConsumer:
    def pause(count: int) -> float:
        if pauses is not None:
            pauses.append(count)
        return 0.0

    return RabbitMqEventConsumer("amqp://broker.test/", tiketq_topology(), handle, pause=pause)


async def test_an_event_is_acknowledged_only_after_the_use_case_returns() -> None:
    event_id = uuid.uuid4()
    handle = Handler()
    message = FakeMessage(an_envelope(event_id))
    await consumer(handle)._on_message(message)  # type: ignore[arg-type]
    assert [(e, t) for e, t, _ in handle.calls] == [(event_id, "order.completed")]
    assert message.settled == ["ack"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"topic": "order.completed"}',
        b'{"event_id": "x", "topic": "t", "occurred_at": "z", "data": {}}',
    ],
)
async def test_an_unreadable_message_is_rejected_without_requeue_so_it_is_dead_lettered(body: bytes) -> None:
    handle = Handler()
    message = FakeMessage(body)
    await consumer(handle)._on_message(message)  # type: ignore[arg-type]
    assert handle.calls == []
    assert message.settled == ["reject requeue=False"]


async def test_a_failing_use_case_sends_the_message_back_after_a_pause_by_its_delivery_count() -> None:
    pauses: list[int] = []
    message = FakeMessage(an_envelope(uuid.uuid4()), headers={"x-delivery-count": 3})
    await consumer(Handler(fail=ConnectionError("database down")), pauses)._on_message(message)  # type: ignore[arg-type]
    assert message.settled == ["nack requeue=True"]
    assert pauses == [3]


def test_the_pause_grows_and_is_bounded() -> None:
    assert [retry_pause(n) for n in (0, 1, 2, 3, 4, 5, 50)] == [1, 2, 4, 8, 16, 30, 30]


async def test_a_broker_that_is_not_there_yet_is_retried_until_cancelled() -> None:
    attempts: list[str] = []

    async def refuse(url: str) -> Any:
        attempts.append(url)
        raise ConnectionError("connection refused")

    subject = RabbitMqEventConsumer("amqp://broker.test/", tiketq_topology(), Handler(), connect=refuse)
    task = asyncio.create_task(subject.run())
    await asyncio.sleep(0.05)
    assert attempts == ["amqp://broker.test/"]  # then it waits (1 s, doubling) before the next try
    assert not subject.consuming.is_set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
