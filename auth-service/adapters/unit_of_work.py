"""One transaction per use case, straight on asyncpg (shared.db.AsyncpgUnitOfWork): one pooled
connection, rolled back unless the use case commits, with the repositories bound to it. Through
SQLAlchemy's session each statement cost several times the CPU, in the session, connection and
result wrappers and the greenlet hop, for no check these statements need."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from adapters.repositories import SqlAccountRepository, SqlEventOutbox, SqlRefreshTokenRepository
from shared.db import AsyncpgUnitOfWork


class AuthUnitOfWork(AsyncpgUnitOfWork):
    accounts: SqlAccountRepository
    refresh_tokens: SqlRefreshTokenRepository
    events: SqlEventOutbox

    def __init__(
        self,
        pool: asyncpg.Pool,
        on_events_committed: Callable[[], None] | None = None,
        *,
        acquire_timeout: float = 30.0,
    ) -> None:
        super().__init__(pool, acquire_timeout=acquire_timeout)
        self._on_events_committed = on_events_committed

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.accounts = SqlAccountRepository(connection)
        self.refresh_tokens = SqlRefreshTokenRepository(connection)
        self.events = SqlEventOutbox(connection)

    async def commit(self) -> None:
        await super().commit()
        if self.events.added and self._on_events_committed is not None:
            # The relay polls anyway; waking it sends the event now rather than at the next poll.
            self._on_events_committed()
        self.events.added = 0
