"""The account.registered consumer on a real database: at-least-once delivery, including the
same event arriving twice at the same moment, creates exactly one profile."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from adapters.db import SqlUnitOfWork
from app import utc_now
from domain.account_events import ACCOUNT_REGISTERED, AccountEventConsumer, EventOutcome
from tests.conftest import cipher_for_tests


def payload(account_id: uuid.UUID) -> dict[str, object]:
    return {"account_id": str(account_id), "email": "Twice@Example.com", "role": "user", "registered_at": "x"}


async def count(pool: asyncpg.Pool, account_id: uuid.UUID) -> int:
    total: int = await pool.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1", account_id)
    return total


async def test_the_same_event_delivered_twice_concurrently_creates_one_profile(
    pool: asyncpg.Pool,
) -> None:
    consumer = AccountEventConsumer(lambda: SqlUnitOfWork(pool, cipher_for_tests()), utc_now)
    account_id, event_id = uuid.uuid4(), uuid.uuid4()
    outcomes = await asyncio.gather(
        *(consumer.handle(event_id, ACCOUNT_REGISTERED, payload(account_id)) for _ in range(2))
    )
    assert sorted(o.value for o in outcomes) == ["applied", "duplicate"]
    assert await count(pool, account_id) == 1
    recorded = await pool.fetch("SELECT topic FROM processed_events WHERE event_id = $1", event_id)
    assert [row["topic"] for row in recorded] == [ACCOUNT_REGISTERED]


async def test_two_events_for_one_account_still_make_one_profile(
    pool: asyncpg.Pool,
) -> None:
    consumer = AccountEventConsumer(lambda: SqlUnitOfWork(pool, cipher_for_tests()), utc_now)
    account_id = uuid.uuid4()
    outcomes = await asyncio.gather(
        *(consumer.handle(uuid.uuid4(), ACCOUNT_REGISTERED, payload(account_id)) for _ in range(3))
    )
    assert all(o is EventOutcome.APPLIED for o in outcomes)
    assert await count(pool, account_id) == 1
