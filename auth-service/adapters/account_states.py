"""Accounts read as they are now, outside any transaction: the token check (the account state
every access token is checked against, shared.tokens.AccountStateSource) and the look-ups that
change nothing (`/auth/me`, `/internal/accounts/{id}`).

One statement on the read engine (shared.db.create_read_engine): no session, no BEGIN or
ROLLBACK, no ping. Other services ask /internal/accounts/{id}; auth-service reads its own table
directly, so revocation takes effect here at once.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import accounts
from adapters.repositories import account_from_row
from domain.models import Account
from shared.db import fetch_first
from shared.tokens import AccountState

# Built once: SQLAlchemy then finds its compiled form by a memoised key instead of building and
# hashing a new statement per request.
_BY_ID = select(accounts).where(accounts.c.id == bindparam("account_id"))


class CoreAccountReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, account_id: uuid.UUID) -> Account | None:
        row = await fetch_first(self._engine, _BY_ID, {"account_id": account_id})
        return account_from_row(row) if row else None


class DatabaseAccountStates:
    def __init__(self, reader: CoreAccountReader) -> None:
        self._reader = reader

    async def get(self, account_id: str) -> AccountState | None:
        try:
            key = uuid.UUID(account_id)
        except ValueError:
            return None
        account = await self._reader.get(key)
        if account is None:
            return None
        return AccountState(
            role=account.role.value, is_active=account.is_active, token_version=account.token_version
        )
