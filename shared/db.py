"""Async SQLAlchemy: the engine and session maker (built in the lifespan), and the unit of work
base that rolls back unless the use case commits. Beside them, plain asyncpg pools for hot paths
(`create_asyncpg_pool`), the one-statement reads on one (`ReadPool`), its unit of work
(`AsyncpgUnitOfWork`), and Core statements compiled once to run on it (`AsyncpgStatement`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self, cast

import asyncpg
from sqlalchemy import event, make_url, text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import JSON

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


_read_logger = logging.getLogger("shared.db.read")

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
        # Up to twice DATABASE_POOL_SIZE, all of them kept: an overflow connection is closed as it
        # comes back, so every burst past the pool opened (and the server forked) new ones and
        # prepared each statement on them again.
        pool_size=2 * settings.pool_size,
        max_overflow=0,
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


async def close_idle_connection(engine: AsyncEngine) -> None:
    """Closes the connection the pool would hand out next (its most recently returned one), if
    it holds one idle, so that the database frees its backend now: for a background poller whose
    empty pass just gave that connection back before a long sleep (shared/idle_backoff.py)."""
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool) or pool.checkedin() == 0:
        return
    async with engine.connect() as connection:
        await connection.invalidate()


async def close_idle_pooled_connection(pool: asyncpg.Pool) -> None:
    """As `close_idle_connection`, for a plain asyncpg pool: closes the live connection it would
    hand out next (its most recently returned one), if one is idle. asyncpg's pool closes an idle
    connection itself after PING_AFTER_IDLE_SECONDS; a poller that sleeps far longer lets its
    backend go now rather than hold it that long after every pass."""
    if pool.get_idle_size() == 0:
        return
    async with pool.acquire() as connection:
        await connection.close()  # the pool keeps the slot and connects again on a later use


class _ConnectionDied(Exception):
    """A read failed because its connection had died; the pool has let the connection go."""


class ReadPool:
    """One-statement reads on hot paths (a token check, an account read), straight on asyncpg.

    Each read borrows a connection for one round trip: no session, no BEGIN or ROLLBACK, no ping,
    and nothing sent when the connection goes back (asyncpg's own reset would cost a second round
    trip per read: `RESET ALL`, `UNLISTEN *`, … for state a lone SELECT never sets). SQLAlchemy's
    engine on the same statement spent about 2.5 times the CPU of this path per read, in its
    connection and result wrappers and the greenlet hop, for no check the statement needs.

    A connection that died meanwhile (the database restarted) makes the read fail once, and it is
    then retried on a fresh one: a read is safe to repeat. No overflow: a burst waits a moment for
    a pooled connection rather than opening (and then closing) connections of its own; waiting
    longer than `acquire_timeout` is the same 503 database-unavailable as SQLAlchemy's pool
    timeout. No connection is opened before the first read, so a service starts (and says it is
    not ready) while its database is still down.
    """

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """The first row of `query` (with `$1`, `$2`… bound to `args`), or None."""
        try:
            return await self._fetchrow(query, args)
        except _ConnectionDied:
            return await self._fetchrow(query, args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Every row of `query`, as `fetchrow`."""
        try:
            return await self._fetch(query, args)
        except _ConnectionDied:
            return await self._fetch(query, args)

    async def _fetchrow(self, query: str, args: tuple[Any, ...]) -> asyncpg.Record | None:
        rows = await self._fetch(query, args, one=True)
        return rows[0] if rows else None

    async def _fetch(self, query: str, args: tuple[Any, ...], *, one: bool = False) -> list[asyncpg.Record]:
        try:
            connection = await self._pool.acquire(timeout=self._acquire_timeout)
        except TimeoutError as exc:
            raise PoolTimeoutError("no pooled read connection came free in time") from exc
        try:
            if one:
                row = await connection.fetchrow(query, *args)
                return [] if row is None else [row]
            return list(await connection.fetch(query, *args))
        except Exception as exc:
            # Whatever the error, a connection that is now closed died under the read. When the
            # server closes it just as the statement goes out (idle_session_timeout, a restart),
            # asyncpg may say so as ConnectionDoesNotExistError, as the server's own FATAL error,
            # or as an InternalClientError ("cannot switch to state …"); all are retried.
            if _closed(connection):
                raise _ConnectionDied from exc
            raise
        finally:
            await self._pool.release(connection)

    async def close(self) -> None:
        await self._pool.close()


def _closed(connection: asyncpg.pool.PoolConnectionProxy) -> bool:
    try:
        return bool(connection.is_closed())
    except asyncpg.InterfaceError:  # already handed back: the pool lets a closed connection go
        return True


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back: a lone autocommit SELECT, or a transaction
    its unit of work committed or rolled back, sets no session state (asyncpg still rolls back
    a transaction left open, without a round trip otherwise)."""


async def create_asyncpg_pool(settings: DatabaseSettings) -> asyncpg.Pool:
    """A plain asyncpg pool on `settings`' database: the same URL, read by SQLAlchemy's own
    asyncpg dialect, so that host, socket folder, TLS and every other parameter mean what they
    mean to the services' engines. No connection is opened before the first use, nothing is sent
    when one goes back (asyncpg's own reset is a round trip: `RESET ALL`, `UNLISTEN *`, …), and
    DATABASE_ECHO logs each statement as the engines log theirs."""
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    _, connect_args = dialect.create_connect_args(make_url(settings.async_url))  # type: ignore[no-untyped-call]
    if "prepared_statement_cache_size" in connect_args:
        connect_args["statement_cache_size"] = connect_args.pop("prepared_statement_cache_size")
    return await asyncpg.create_pool(
        min_size=0,
        max_size=settings.pool_size,
        # Closed by the pool once idle this long, before a server's idle_session_timeout closes it
        # under a statement, and so that an idle service's backends go (as the engines' pollers
        # let theirs go, shared/idle_backoff.py).
        max_inactive_connection_lifetime=PING_AFTER_IDLE_SECONDS,
        reset=_no_reset,
        init=_log_statements if settings.echo else None,
        **connect_args,
    )


async def create_read_pool(settings: DatabaseSettings, *, acquire_timeout: float = 30.0) -> ReadPool:
    """The read pool for `settings`' database (create_asyncpg_pool). `acquire_timeout` is
    SQLAlchemy's default pool timeout."""
    return ReadPool(await create_asyncpg_pool(settings), acquire_timeout=acquire_timeout)


async def _log_statements(connection: asyncpg.Connection) -> None:
    """DATABASE_ECHO for a plain asyncpg pool: each statement logged, as the engines log theirs."""
    connection.add_query_logger(lambda record: _read_logger.info("%s %r", record.query, record.args))


_ASYNCPG_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class AsyncpgStatement:
    """A Core statement compiled once into the SQL SQLAlchemy's asyncpg dialect sends for it
    (`$n` parameters, their casts), to run straight on a plain asyncpg connection:
    `connection.fetch(s.sql, *s.args(name=value, …))`. The statement's own literals (a `+ 1`)
    keep their compiled values."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_ASYNCPG_DIALECT))
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())
        # asyncpg's own codec takes a JSON or JSONB parameter as JSON text: the caller encodes these.
        self.json_names = frozenset(
            name for name in self.names if isinstance(compiled.binds[name].type, JSON)
        )
        # Only the statement's own values: a parameter left out of `args` is an error, not a NULL.
        self._fixed = {name: value for name, value in compiled.params.items() if value is not None}

    def args(self, **values: Any) -> list[Any]:
        """The parameters in `$n` order: each named one from `values`, the literals as compiled."""
        return [values[name] if name in values else self._fixed[name] for name in self.names]


@asynccontextmanager
async def pooled_connection(pool: asyncpg.Pool, acquire_timeout: float) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `pool` for a few autocommit statements, given back afterwards; none coming
    free within `acquire_timeout` is SQLAlchemy's pool timeout (the same 503)."""
    try:
        connection = await pool.acquire(timeout=acquire_timeout)
    except TimeoutError as exc:
        raise PoolTimeoutError("no pooled connection came free in time") from exc
    try:
        yield connection
    finally:
        await pool.release(connection)


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


class AsyncpgUnitOfWork:
    """A unit of work straight on a plain asyncpg pool (create_asyncpg_pool): one connection and
    one transaction, rolled back unless the use case commits. Subclass per service and attach
    repositories to the connection in `_bind`, as with SqlAlchemyUnitOfWork; use as `async with`.
    A statement here costs a fraction of its CPU through SQLAlchemy's session.

    A connection the server closed while it sat in the pool fails its BEGIN: that is tried once
    more on a fresh one (nothing was done on the dead one). No connection coming free within
    `acquire_timeout` is SQLAlchemy's pool timeout, so it answers the same 503."""

    _connection: asyncpg.Connection

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float = 30.0) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._open = False

    def _bind(self, connection: asyncpg.Connection) -> None:
        """Attach repositories to the connection."""

    async def __aenter__(self) -> Self:
        for attempt in (1, 2):
            try:
                connection = await self._pool.acquire(timeout=self._acquire_timeout)
            except TimeoutError as exc:
                raise PoolTimeoutError("no pooled connection came free in time") from exc
            transaction = connection.transaction()
            try:
                await transaction.start()
            except Exception:
                closed = connection.is_closed()
                await self._pool.release(connection)
                if closed and attempt == 1:
                    continue
                raise
            except asyncio.CancelledError:
                # A job stopped in the middle of its BEGIN: the connection still goes back (rolled
                # back by the pool), or closing the pool would wait for it for ever.
                await self._pool.release(connection)
                raise
            self._connection, self._transaction, self._open = connection, transaction, True
            self._bind(connection)
            return self
        raise AssertionError("unreachable")

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._open:
                self._open = False
                await self._transaction.rollback()
        finally:
            await self._pool.release(self._connection)

    async def commit(self) -> None:
        self._open = False
        await self._transaction.commit()
