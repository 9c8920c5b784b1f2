"""Events handed to the running relay right after their commit (OutboxRelay.dispatch), on a real
PostgreSQL: they go out at once and are marked as a pass marks them; their leased rows are left
to the dispatch by every pass until the lease ends; a failed dispatch backs off to a pass; one
order's events still go in order; a relay that is not running takes nothing leased."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from shared.db import AsyncpgUnitOfWork
from shared.outbox import (
    DISPATCH_LEASE,
    NO_DISPATCH,
    Dispatcher,
    OutboxEvent,
    OutboxRelay,
    add_event_once_on_connection,
    event_row,
)
from testkit.running import running, until

OUTBOX = "outbox"  # the conftest's outbox_pool table


class Events(AsyncpgUnitOfWork):
    """A unit of work that writes events as the services' do, and hands them over once committed."""

    def __init__(self, pool: asyncpg.Pool, relay: Dispatcher) -> None:
        super().__init__(pool)
        self._relay = relay
        self._added: list[OutboxEvent] = []

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, topic: str, payload: dict[str, str]) -> OutboxEvent:
        event = OutboxEvent.new(topic, payload)
        dispatched = self._relay.dispatches
        await add_event_once_on_connection(self.connection, OUTBOX, event, dispatched=dispatched)
        if dispatched:
            self._added.append(event)
        return event

    async def commit(self) -> None:
        await super().commit()
        self._relay.dispatch(self._added)


@pytest.fixture
def pool(outbox_pool: asyncpg.Pool) -> asyncpg.Pool:
    return outbox_pool


@contextlib.asynccontextmanager
async def dispatching(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    """The relay running, once it takes what is handed to it."""
    async with running(relay):
        await until(lambda: relay.dispatches)
        yield relay


async def _rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as connection:
        return list(
            await connection.fetch(
                "SELECT id, attempts, delivered_at, next_attempt_at - created_at AS held, last_error"
                " FROM outbox ORDER BY created_at"
            )
        )


async def test_a_dispatched_event_goes_out_at_once_and_is_marked_delivered(pool: asyncpg.Pool) -> None:
    delivered: list[OutboxEvent] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event)

    # A poll far away: only the dispatch can deliver within the test.
    async with dispatching(OutboxRelay(pool, OUTBOX, deliver, poll_interval=30, concurrency=4)) as relay:
        async with Events(pool, relay) as uow:
            event = await uow.add("order.completed", {"order_id": "o1"})
            await uow.commit()
        await until(lambda: len(delivered) == 1)
        await until(lambda: not relay._dispatches)
    assert delivered == [event]
    (row,) = await _rows(pool)
    assert (row["id"], row["attempts"], row["delivered_at"] is not None) == (event.id, 1, True)
    assert row["held"] == DISPATCH_LEASE  # the row was written leased


async def test_a_pass_leaves_a_leased_row_to_its_dispatch_until_the_lease_ends(pool: asyncpg.Pool) -> None:
    delivered: list[OutboxEvent] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event)

    event = OutboxEvent.new("order.completed", {"order_id": "o1"})
    async with pool.acquire() as connection:
        # Written leased, as by a process that then died before its dispatch.
        await add_event_once_on_connection(connection, OUTBOX, event, dispatched=True)
    relay = OutboxRelay(pool, OUTBOX, deliver)
    assert await relay.deliver_due() == 0
    assert delivered == []
    async with pool.acquire() as connection:  # the lease runs out
        await connection.execute("UPDATE outbox SET next_attempt_at = now() - interval '1 second'")
    assert await relay.deliver_due() == 1
    assert delivered == [event]


async def test_a_failed_dispatch_backs_off_and_a_pass_delivers_it(pool: asyncpg.Pool) -> None:
    attempts: list[OutboxEvent] = []

    async def flaky(event: OutboxEvent) -> None:
        attempts.append(event)
        if len(attempts) == 1:
            raise RuntimeError("consumer down")

    relay = OutboxRelay(pool, OUTBOX, flaky, poll_interval=30, concurrency=4)
    async with dispatching(relay):
        async with Events(pool, relay) as uow:
            await uow.add("t", {"order_id": "o1"})
            await uow.commit()
        await until(lambda: len(attempts) == 1)
        await until(lambda: not relay._dispatches)
    (row,) = await _rows(pool)
    assert (row["attempts"], row["delivered_at"]) == (1, None)
    assert "consumer down" in row["last_error"]
    assert row["held"] < timedelta(seconds=5)  # due after the back-off, not the lease
    async with pool.acquire() as connection:
        await connection.execute("UPDATE outbox SET next_attempt_at = now() - interval '1 second'")
    assert await relay.deliver_due() == 1
    assert len(attempts) == 2
    (row,) = await _rows(pool)
    assert (row["attempts"], row["delivered_at"] is not None) == (2, True)


async def test_one_orders_dispatched_event_waits_for_its_earlier_event_a_pass_is_sending(
    pool: asyncpg.Pool,
) -> None:
    first_started = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def deliver(event: OutboxEvent) -> None:
        if event.topic == "first":
            first_started.set()
            await release.wait()
        order.append(event.topic)

    async with pool.acquire() as connection:  # written before the relay ran: a pass sends it
        await add_event_once_on_connection(connection, OUTBOX, OutboxEvent.new("first", {"order_id": "o1"}))
    relay = OutboxRelay(pool, OUTBOX, deliver, poll_interval=30, concurrency=4)
    async with dispatching(relay):
        await first_started.wait()
        async with Events(pool, relay) as uow:
            await uow.add("second", {"order_id": "o1"})
            await uow.add("other order", {"order_id": "o2"})
            await uow.commit()
        await until(lambda: order == ["other order"])  # another order's event goes at once
        await asyncio.sleep(0.2)
        assert order == ["other order"]  # o1's second event waits for its first
        release.set()
        await until(lambda: order == ["other order", "first", "second"])
        await until(lambda: not relay._dispatches)
    assert all(row["delivered_at"] is not None for row in await _rows(pool))


async def test_without_a_running_relay_events_are_written_due_for_any_pass(pool: asyncpg.Pool) -> None:
    delivered: list[OutboxEvent] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event)

    relay = OutboxRelay(pool, OUTBOX, deliver)
    assert not relay.dispatches
    for dispatcher in (relay, NO_DISPATCH):
        async with Events(pool, dispatcher) as uow:
            await uow.add("t", {"order_id": "o1"})
            await uow.commit()
    assert delivered == []  # nothing went out on its own
    assert all(row["held"] < timedelta(seconds=1) for row in await _rows(pool))  # due at once
    assert await relay.deliver_due() == 2


async def test_stopping_the_relay_lets_a_dispatch_under_way_finish(pool: asyncpg.Pool) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(event: OutboxEvent) -> None:
        started.set()
        await release.wait()

    relay = OutboxRelay(pool, OUTBOX, slow, poll_interval=30, concurrency=4)
    task = asyncio.create_task(relay.run())
    await until(lambda: relay.dispatches)
    async with Events(pool, relay) as uow:
        await uow.add("t", {"order_id": "o1"})
        await uow.commit()
    await started.wait()
    task.cancel()
    await asyncio.sleep(0.1)
    release.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert not relay.dispatches
    (row,) = await _rows(pool)
    assert row["delivered_at"] is not None


async def test_a_dispatch_cut_short_by_the_stop_gives_its_rows_back_to_the_passes(pool: asyncpg.Pool) -> None:
    started = asyncio.Event()

    async def stuck(event: OutboxEvent) -> None:
        started.set()
        await asyncio.Event().wait()  # never answers

    relay = OutboxRelay(pool, OUTBOX, stuck, poll_interval=30, concurrency=4)
    relay.DRAIN_SECONDS = 0.1
    task = asyncio.create_task(relay.run())
    await until(lambda: relay.dispatches)
    async with Events(pool, relay) as uow:
        await uow.add("t", {"order_id": "o1"})
        await uow.add("t", {"order_id": "o1"})  # waiting behind the first
        await uow.commit()
    await started.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    rows = await _rows(pool)
    assert [row["delivered_at"] for row in rows] == [None, None]
    assert all(row["held"] < DISPATCH_LEASE for row in rows)  # due now, for any pass

    delivered: list[OutboxEvent] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event)

    assert await OutboxRelay(pool, OUTBOX, deliver).deliver_due() == 2


def test_a_dispatched_row_is_due_only_after_the_lease() -> None:
    event = OutboxEvent.new("t", {"order_id": "o1"})
    assert event_row(event, dispatched=True)["next_attempt_at"] == event.created_at + DISPATCH_LEASE
    assert "next_attempt_at" not in event_row(event, dispatched=False)
