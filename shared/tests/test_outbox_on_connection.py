"""The outbox's rows written by a unit of work straight on asyncpg (shared.db.AsyncpgUnitOfWork):
kept only if the transaction commits, delivered by the relay; the same fact added twice at once is
one event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import AsyncpgUnitOfWork
from shared.outbox import (
    OutboxEvent,
    OutboxRelay,
    add_event_on_connection,
    add_event_once_on_connection,
)
from shared.schema import outbox_table
from shared.settings import to_asyncpg_url
from testkit.postgres import sessions_with_tables

metadata = MetaData()
outbox = outbox_table(metadata)


class Events(AsyncpgUnitOfWork):
    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection


@pytest.fixture
def url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("outbox_on_connection"))


@pytest.fixture
async def sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_with_tables(url, metadata) as made:
        yield made


@pytest.fixture
async def pool(url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(
        url.replace("postgresql+asyncpg://", "postgresql://"), min_size=0, max_size=4
    )
    yield pool
    await pool.close()


async def test_committed_events_are_delivered_and_rolled_back_ones_never(pool: asyncpg.Pool) -> None:
    async with Events(pool) as uow:
        event_id = (
            await add_event_on_connection(uow.connection, outbox.name, "ticket.issued", {"order_id": "o1"})
        ).id
        await uow.commit()
    async with Events(pool) as uow:
        await add_event_on_connection(
            uow.connection, outbox.name, "ticket.issued", {"order_id": "rolled-back"}
        )

    delivered: list[OutboxEvent] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event)

    relay = OutboxRelay(pool, outbox.name, deliver)
    assert await relay.deliver_due() == 1
    assert [(e.id, e.topic, e.payload) for e in delivered] == [
        (event_id, "ticket.issued", {"order_id": "o1"})
    ]


async def test_the_same_fact_added_twice_concurrently_becomes_one_event(pool: asyncpg.Pool) -> None:
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, "midtrans:order-1:settlement")

    async def add() -> bool:
        async with Events(pool) as uow:
            added = await add_event_once_on_connection(
                uow.connection, outbox.name, OutboxEvent.new("t", {"n": 1}, event_id)
            )
            await uow.commit()
            return added

    results = await asyncio.gather(*(add() for _ in range(4)))
    assert sorted(results) == [False] * 3 + [True]
    async with pool.acquire() as connection:
        assert [r["id"] for r in await connection.fetch("SELECT id FROM outbox")] == [event_id]
