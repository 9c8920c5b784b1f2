"""Every service's database, straight on asyncpg: its one pool (`create_asyncpg_pool`, built in
the lifespan), the one-statement reads on it (`ReadPool`), the unit of work that rolls back unless
the use case commits (`AsyncpgUnitOfWork`), and Core statements compiled once to run on it
(`AsyncpgStatement`; `bound` for a statement built per call). The tables stay SQLAlchemy Core, which
the migrations use; SQLAlchemy's asyncio engine and session (and with them its ORM, ~7 MiB of RSS
in every process) are not imported: through them each statement cost several times the CPU."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self, cast

import asyncpg
from sqlalchemy import ARRAY, ColumnElement, Text, any_, bindparam, make_url
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import JSON, TypeEngine

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

# A pooled connection idle this long is closed by its pool: before a server's idle_session_timeout
# would close it under a statement, and so that an idle service holds no backend.
IDLE_CONNECTION_SECONDS = 5.0
# Readiness waits this long for a pooled connection before it says the database is unavailable.
PING_TIMEOUT_SECONDS = 5.0


async def close_idle_pooled_connection(pool: asyncpg.Pool) -> None:
    """Closes the live connection the pool would hand out next (its most recently returned one),
    if one is idle, so that the database frees its backend now: for a background poller whose
    empty pass just gave that connection back before a long sleep (shared/idle_backoff.py).
    asyncpg's pool closes an idle
    connection itself after IDLE_CONNECTION_SECONDS; a poller that sleeps far longer lets its
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
    mean to SQLAlchemy (and to the migrations). No connection is opened before the first use, nothing is sent
    when one goes back (asyncpg's own reset is a round trip: `RESET ALL`, `UNLISTEN *`, …), and
    DATABASE_ECHO logs each statement."""
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    _, connect_args = dialect.create_connect_args(make_url(settings.async_url))  # type: ignore[no-untyped-call]
    if "prepared_statement_cache_size" in connect_args:
        connect_args["statement_cache_size"] = connect_args.pop("prepared_statement_cache_size")
    return await asyncpg.create_pool(
        min_size=0,
        max_size=settings.pool_size,
        # Closed by the pool once idle this long, before a server's idle_session_timeout closes it
        # under a statement, and so that an idle service's backends go (the pollers let theirs go
        # sooner, shared/idle_backoff.py).
        max_inactive_connection_lifetime=IDLE_CONNECTION_SECONDS,
        reset=_no_reset,
        init=_log_statements if settings.echo else None,
        **connect_args,
    )


async def create_read_pool(settings: DatabaseSettings, *, acquire_timeout: float = 30.0) -> ReadPool:
    """The read pool for `settings`' database (create_asyncpg_pool). `acquire_timeout` is
    SQLAlchemy's default pool timeout."""
    return ReadPool(await create_asyncpg_pool(settings), acquire_timeout=acquire_timeout)


async def _log_statements(connection: asyncpg.Connection) -> None:
    """DATABASE_ECHO: each statement logged, with its arguments."""
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


def bound(statement: ClauseElement) -> tuple[Any, ...]:
    """A Core statement built for one call, its values in it (a list's filters, an IN list), as
    the SQL followed by its arguments, to run it with on asyncpg: `connection.fetch(*bound(s))`.
    JSON values go as JSON text, as asyncpg's own codec takes them (None too, as JSON `null`, as
    SQLAlchemy's JSON type writes it; `sqlalchemy.null()` is SQL NULL). A statement run on every
    request is compiled once instead (AsyncpgStatement): compiling costs more than running it."""
    compiled = cast(
        SQLCompiler, statement.compile(dialect=_ASYNCPG_DIALECT, compile_kwargs={"render_postcompile": True})
    )
    params = compiled.params
    json_names = {name for name, bind in compiled.binds.items() if isinstance(bind.type, JSON)}
    args = [
        json.dumps(params[name]) if name in json_names else params[name]
        for name in compiled.positiontup or ()
    ]
    return (str(compiled), *args)


def any_of(
    name: str, element: TypeEngine[Any] | None = None, values: list[str] | None = None
) -> ColumnElement[Any]:
    """`= ANY(<array parameter name>)`, one statement for a list of any length, its values sent as
    `text[]` (Python strings: a UUID as `str(uuid)`) and cast by the server to `element[]` when
    given (`Uuid()`; a text or varchar column compares with text as it is). `values`, if given,
    are the statement's own (compiled in as its arguments' default).

    asyncpg knows `text[]` without asking; any other array parameter (`uuid[]`, `varchar[]`)
    makes each new connection introspect its type first: four more round trips and a recursive
    catalog query of some milliseconds of the server's CPU, paid again by every connection a pool
    opens after an idle spell (a burst's first statements, a relay's first mark)."""
    array = bindparam(name, values, type_=ARRAY(Text()))
    return any_(sql_cast(array, ARRAY(element)) if element is not None else array)


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


async def ping(pool: asyncpg.Pool) -> None:
    """Readiness: one `SELECT 1` on the service's pool (a connection that died in it is replaced
    and the ping tried once more, as a read is)."""
    await ReadPool(pool, acquire_timeout=PING_TIMEOUT_SECONDS).fetchrow("SELECT 1")


class AsyncpgUnitOfWork:
    """A unit of work straight on a plain asyncpg pool (create_asyncpg_pool): one connection and
    one transaction, rolled back unless the use case commits. Subclass per service and attach
    repositories to the connection in `_bind`; use as `async with`.
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
