"""The read path of token checks and `/auth/me` (adapters/account_states.py): plain SQL on the
read pool, which must give back what the repository gives back (tests/unit/test_statement_columns.py
holds its columns to the table)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from adapters.account_states import AccountReader, DatabaseAccountStates
from adapters.unit_of_work import AuthUnitOfWork
from domain.models import Account, Role
from shared.db import ReadPool
from shared.tokens import AccountState
from tests.app_factory import unique_email

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def reader(pool: asyncpg.Pool) -> AccountReader:
    """On the units of work's pool, as app.py builds it."""
    return AccountReader(ReadPool(pool, acquire_timeout=30.0))


async def test_the_reader_gives_back_what_the_repository_stored(
    reader: AccountReader, pool: asyncpg.Pool
) -> None:
    stored = Account.register(unique_email(), "argon2-hash", Role.ADMIN, NOW)
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(stored)
        await uow.commit()
        repository_view = await uow.accounts.get(stored.id)

    assert await reader.get(stored.id) == stored == repository_view
    assert await DatabaseAccountStates(reader).get(str(stored.id)) == AccountState(
        role="admin", is_active=True, token_version=0
    )


async def test_an_unknown_or_malformed_account_is_none(reader: AccountReader) -> None:
    assert await reader.get(uuid.uuid4()) is None
    assert await DatabaseAccountStates(reader).get("not-a-uuid") is None


async def test_many_accounts_in_one_read(reader: AccountReader, pool: asyncpg.Pool) -> None:
    stored = [Account.register(unique_email(), "argon2-hash", Role.USER, NOW) for _ in range(3)]
    async with AuthUnitOfWork(pool) as uow:
        for account in stored:
            await uow.accounts.add(account)
        await uow.commit()

    found = await reader.get_many([stored[0].id, uuid.uuid4(), stored[2].id])

    assert sorted(found, key=lambda a: str(a.id)) == sorted([stored[0], stored[2]], key=lambda a: str(a.id))
    assert await reader.get_many([]) == []
