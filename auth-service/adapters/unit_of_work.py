"""One transaction per use case, straight on asyncpg (shared.db.AsyncpgUnitOfWork): one pooled
connection, rolled back unless the use case commits, with the repositories bound to it. Through
SQLAlchemy's session each statement cost several times the CPU, in the session, connection and
result wrappers and the greenlet hop, for no check these statements need."""

from __future__ import annotations

import asyncpg

from adapters.repositories import SqlAccountRepository, SqlEventOutbox, SqlRefreshTokenRepository
from shared.db import AsyncpgUnitOfWork
from shared.outbox import NO_DISPATCH, Dispatcher


class AuthUnitOfWork(AsyncpgUnitOfWork):
    """Hands the events it committed to the outbox relay, which sends them at once."""

    accounts: SqlAccountRepository
    refresh_tokens: SqlRefreshTokenRepository
    events: SqlEventOutbox

    def __init__(
        self,
        pool: asyncpg.Pool,
        relay: Dispatcher = NO_DISPATCH,
        *,
        acquire_timeout: float = 30.0,
    ) -> None:
        super().__init__(pool, acquire_timeout=acquire_timeout)
        self._relay = relay

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.accounts = SqlAccountRepository(connection)
        self.refresh_tokens = SqlRefreshTokenRepository(connection)
        self.events = SqlEventOutbox(connection, self._relay)

    async def commit(self) -> None:
        await super().commit()
        added, self.events.added = self.events.added, []
        self._relay.dispatch(added)
