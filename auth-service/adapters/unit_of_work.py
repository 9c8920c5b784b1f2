"""One transaction per use case, with the repositories bound to its session."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.repositories import SqlAccountRepository, SqlEventOutbox, SqlRefreshTokenRepository
from shared.db import SqlAlchemyUnitOfWork


class AuthUnitOfWork(SqlAlchemyUnitOfWork):
    accounts: SqlAccountRepository
    refresh_tokens: SqlRefreshTokenRepository
    events: SqlEventOutbox

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(sessions)
        self._on_events_committed = on_events_committed

    def _bind(self, session: AsyncSession) -> None:
        self.accounts = SqlAccountRepository(session)
        self.refresh_tokens = SqlRefreshTokenRepository(session)
        self.events = SqlEventOutbox(session)

    async def commit(self) -> None:
        await super().commit()
        if self.events.added and self._on_events_committed is not None:
            # The relay polls anyway; waking it sends the event now rather than at the next poll.
            self._on_events_committed()
        self.events.added = 0
