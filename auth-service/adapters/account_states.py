"""Accounts read as they are now, outside any transaction: the token check (the account state
every access token is checked against, shared.tokens.AccountStateSource) and the look-ups that
change nothing (`/auth/me`, `/internal/accounts/{id}`, `/internal/accounts/states`).

One statement on the read pool (shared.db.ReadPool): no session, no BEGIN or ROLLBACK, no ping.
Other services ask /internal/accounts/{id}; auth-service reads its own table directly, so
revocation takes effect here at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from adapters.repositories import ACCOUNT_BY_ID, SELECT_ACCOUNTS, account_from_row
from domain.models import Account
from shared.db import ReadPool, Statement
from shared.tokens import AccountState

# The ids go as one text[], cast by the server: asyncpg knows text[] without asking.
ACCOUNTS_BY_IDS = Statement(
    SELECT_ACCOUNTS
    + """
    WHERE id = ANY(:ids::text[]::uuid[])
"""
)


class AccountReader:
    def __init__(self, pool: ReadPool) -> None:
        self._pool = pool

    async def get(self, account_id: uuid.UUID) -> Account | None:
        row = await self._pool.fetchrow(ACCOUNT_BY_ID.sql, *ACCOUNT_BY_ID.args(id=account_id))
        return None if row is None else account_from_row(row)

    async def get_many(self, account_ids: Sequence[uuid.UUID]) -> list[Account]:
        ids = [str(account_id) for account_id in account_ids]
        rows = await self._pool.fetch(ACCOUNTS_BY_IDS.sql, *ACCOUNTS_BY_IDS.args(ids=ids))
        return [account_from_row(row) for row in rows]


class DatabaseAccountStates:
    def __init__(self, reader: AccountReader) -> None:
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
