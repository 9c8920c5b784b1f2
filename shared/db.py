"""Async SQLAlchemy: the engine and session maker (built in the lifespan), and the unit of work
base that rolls back unless the use case commits."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Executable, Row, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.settings import DatabaseSettings

# Constraint and index names every service's tables and migrations use, so that a migration can
# name what it drops (ck_bookings_status_known, uq_bookings_idempotency_key, …).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A pooled connection idle longer than this is pinged before use; one in steady use is not.
PING_AFTER_IDLE_SECONDS = 5.0


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """The engine for units of work. A connection that sat in the pool longer than
    PING_AFTER_IDLE_SECONDS is pinged when it leaves (and replaced if the database dropped it);
    SQLAlchemy's pre-ping would cost three round trips (BEGIN, `;`, ROLLBACK) before every unit of
    work, even on a connection used a millisecond ago. One that dies while in steady use fails its
    statement once, and SQLAlchemy then replaces every connection the pool held."""
    engine = create_async_engine(
        settings.async_url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        # The most recent connection first: at low traffic the others stay idle, and a server that
        # closes idle sessions (idle_session_timeout) frees their backends; first in, first out
        # would keep every connection a burst opened in turn, and alive.
        pool_use_lifo=True,
        echo=settings.echo,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _leaving(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at <= PING_AFTER_IDLE_SECONDS:
            return  # brand new, or in steady use
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError("a pooled connection did not answer its ping") from exc


def create_read_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An engine for one-statement reads on hot paths (a token check, an account read).

    Autocommit, so the statement is not wrapped in BEGIN … ROLLBACK, and no ping when a
    connection leaves the pool (the ping is itself BEGIN, `;`, ROLLBACK: three round trips
    before the one that matters). A connection that died meanwhile (the database restarted) is
    invalidated by SQLAlchemy when it fails, and `fetch_first` retries once on a fresh one.
    No overflow: a read holds its connection for one round trip, so a burst waits a moment for
    a pooled one rather than opening (and then closing) connections of its own.
    """
    return create_async_engine(
        settings.async_url,
        pool_size=settings.pool_size,
        max_overflow=0,
        isolation_level="AUTOCOMMIT",
        echo=settings.echo,
    )


async def fetch_first(
    engine: AsyncEngine, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> Row[Any] | None:
    """The first row of one read statement (on a `create_read_engine` engine), or None."""
    try:
        async with engine.connect() as conn:
            return (await conn.execute(statement, parameters)).first()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    async with engine.connect() as conn:
        return (await conn.execute(statement, parameters)).first()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class SqlAlchemyUnitOfWork:
    """Subclass per service and attach repositories in `_bind`; use as `async with uow:`."""

    session: AsyncSession

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def _bind(self, session: AsyncSession) -> None:
        """Attach repositories to the session."""

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._bind(self.session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
