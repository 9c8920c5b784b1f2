"""The account state every access token is checked against (shared.tokens.AccountStateSource).

Other services ask /internal/accounts/{id}; auth-service reads its own table directly, so
revocation takes effect here at once.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db import accounts
from shared.tokens import AccountState


class DatabaseAccountStates:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, account_id: str) -> AccountState | None:
        try:
            key = uuid.UUID(account_id)
        except ValueError:
            return None
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(accounts.c.role, accounts.c.is_active, accounts.c.token_version).where(
                        accounts.c.id == key
                    )
                )
            ).first()
        if row is None:
            return None
        return AccountState(role=row.role, is_active=row.is_active, token_version=row.token_version)
