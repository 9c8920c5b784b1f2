"""The retention job on a real PostgreSQL: expired refresh tokens go once their whole sign-in has
expired and the grace period has passed; a family that is still alive keeps its spent tokens."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from adapters.unit_of_work import AuthUnitOfWork
from domain.models import Account, RefreshToken, Role
from domain.repository import UnitOfWork
from domain.retention import RefreshTokenRetention
from tests.app_factory import unique_email
from tests.fakes import FakeClock

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TTL = timedelta(days=30)


async def issue(pool: asyncpg.Pool, account: Account, family: uuid.UUID, days_ago: int) -> RefreshToken:
    token, _ = RefreshToken.issue(account.id, family, NOW - timedelta(days=days_ago), TTL)
    async with AuthUnitOfWork(pool) as uow:
        await uow.refresh_tokens.add(token)
        await uow.commit()
    return token


async def exists(pool: asyncpg.Pool, token: RefreshToken) -> bool:
    async with AuthUnitOfWork(pool) as uow:
        return await uow.refresh_tokens.get_by_hash(token.token_hash) is not None


@pytest.fixture
async def account(pool: asyncpg.Pool) -> Account:
    created = Account.register(unique_email(), "argon2-hash", Role.USER, NOW - timedelta(days=90))
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(created)
        await uow.commit()
    return created


def retention(pool: asyncpg.Pool) -> RefreshTokenRetention:
    def unit_of_work() -> UnitOfWork:
        return AuthUnitOfWork(pool)

    return RefreshTokenRetention(unit_of_work, FakeClock(NOW), keep_after_expiry=timedelta(days=7))


async def test_expired_sign_ins_are_purged_after_the_grace_period(
    pool: asyncpg.Pool, account: Account
) -> None:
    ended = uuid.uuid4()
    long_expired = await issue(pool, account, ended, days_ago=40)  # expired 10 days ago
    recently_expired = await issue(pool, account, ended, days_ago=35)  # 5 days ago: grace
    alive = uuid.uuid4()
    spent_long_ago = await issue(pool, account, alive, days_ago=40)
    current = await issue(pool, account, alive, days_ago=20)  # expires in 10 days

    purged = await retention(pool).purge()

    assert purged >= 1
    assert not await exists(pool, long_expired)
    assert await exists(pool, recently_expired)
    # Its family is alive: if this spent token comes back, it must still revoke `current`.
    assert await exists(pool, spent_long_ago)
    assert await exists(pool, current)
    assert await retention(pool).purge() == 0


async def test_the_purge_loop_runs_at_once_and_survives_a_failed_round(
    pool: asyncpg.Pool, account: Account
) -> None:
    expired = await issue(pool, account, uuid.uuid4(), days_ago=60)
    job = retention(pool)
    rounds = 0
    real_purge = job.purge

    async def flaky_purge() -> int:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise ConnectionError("database restarting")
        return await real_purge()

    job.purge = flaky_purge  # type: ignore[method-assign]
    loop = asyncio.create_task(job.purge_forever(interval_seconds=0.01))
    try:
        for _ in range(200):
            if rounds >= 2 and not await exists(pool, expired):
                break
            await asyncio.sleep(0.01)
    finally:
        loop.cancel()
    assert rounds >= 2
    assert not await exists(pool, expired)
