"""The account.registered consumer on a real database: at-least-once delivery, including the
same event arriving twice at the same moment, creates exactly one profile."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db import SqlUnitOfWork, processed_events, profiles
from app import utc_now
from domain.account_events import ACCOUNT_REGISTERED, AccountEventConsumer, EventOutcome
from tests.conftest import cipher_for_tests


def payload(account_id: uuid.UUID) -> dict[str, object]:
    return {"account_id": str(account_id), "email": "Twice@Example.com", "role": "user", "registered_at": "x"}


async def count(sessions: async_sessionmaker[AsyncSession], account_id: uuid.UUID) -> int:
    async with sessions() as session:
        return (
            await session.execute(
                select(func.count()).select_from(profiles).where(profiles.c.user_id == account_id)
            )
        ).scalar_one()


async def test_the_same_event_delivered_twice_concurrently_creates_one_profile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consumer = AccountEventConsumer(lambda: SqlUnitOfWork(sessions, cipher_for_tests()), utc_now)
    account_id, event_id = uuid.uuid4(), uuid.uuid4()
    outcomes = await asyncio.gather(
        *(consumer.handle(event_id, ACCOUNT_REGISTERED, payload(account_id)) for _ in range(2))
    )
    assert sorted(o.value for o in outcomes) == ["applied", "duplicate"]
    assert await count(sessions, account_id) == 1
    async with sessions() as session:
        recorded = await session.execute(
            select(processed_events.c.topic).where(processed_events.c.event_id == event_id)
        )
        assert recorded.scalars().all() == [ACCOUNT_REGISTERED]


async def test_two_events_for_one_account_still_make_one_profile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consumer = AccountEventConsumer(lambda: SqlUnitOfWork(sessions, cipher_for_tests()), utc_now)
    account_id = uuid.uuid4()
    outcomes = await asyncio.gather(
        *(consumer.handle(uuid.uuid4(), ACCOUNT_REGISTERED, payload(account_id)) for _ in range(3))
    )
    assert all(o is EventOutcome.APPLIED for o in outcomes)
    assert await count(sessions, account_id) == 1
