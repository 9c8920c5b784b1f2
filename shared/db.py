"""Every service's database, straight on asyncpg: its one pool (`create_asyncpg_pool`, built in
the lifespan), the one-statement reads on it (`ReadPool`), the unit of work that rolls back unless
the use case commits (`AsyncpgUnitOfWork`), and the SQL they send: `Statement` (named parameters,
turned into asyncpg's `$n` once) for a fixed statement, `Parameters` for one built per call.

No SQLAlchemy at run time. Its Core declares the tables, which the migrations and the tests use
(each service's adapters/tables.py, shared/schema.py), but a service process never imports it:
importing SQLAlchemy and its asyncpg dialect costs ~14 MiB of RSS in every process, for statements
that are plain SQL once written."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from shared.settings import DatabaseSettings


class DatabaseBusy(Exception):
    """No pooled connection came free in time: the service answers 503 database-unavailable
    (shared/errors.py), as for a database refusing connections."""


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
    longer than `acquire_timeout` is DatabaseBusy, a 503 database-unavailable. No connection is
    opened before the first read, so a service starts (and says it is not ready) while its
    database is still down.
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
            raise DatabaseBusy("no pooled read connection came free in time") from exc
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


# The query arguments a database URL may carry: the ones that mean the same to asyncpg here and
# to SQLAlchemy's asyncpg dialect in the migrations (shared/migrations.py), which read one URL.
_URL_ARGUMENTS = ("host", "ssl", "prepared_statement_cache_size")


def connect_arguments(url: str) -> dict[str, Any]:
    """asyncpg's arguments for a database URL as the services and their migrations take it
    (`postgresql://`, `postgresql+asyncpg://`, …; settings.to_asyncpg_url): the DSN asyncpg parses
    itself (user, password, host, port, database, a socket folder as `?host=/path`), `ssl`
    (`require`, `verify-full`, …) and `prepared_statement_cache_size` (asyncpg's
    `statement_cache_size`) handed over as asyncpg's own arguments, as SQLAlchemy's asyncpg dialect
    hands them. Any other query argument is refused (ValueError): asyncpg would send it to the
    server as a setting, SQLAlchemy to asyncpg as an argument, so the service and its migrations
    would not read the URL alike."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://…")
    arguments: dict[str, Any] = {}
    kept = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name not in _URL_ARGUMENTS:
            raise ValueError(
                f"DATABASE_URL's query argument {name!r} is not supported (only {', '.join(_URL_ARGUMENTS)})"
            )
        if name == "ssl":
            arguments["ssl"] = value
        elif name == "prepared_statement_cache_size":
            arguments["statement_cache_size"] = int(value)
        else:
            kept.append((name, value))
    arguments["dsn"] = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(kept), ""))
    return arguments


async def create_asyncpg_pool(settings: DatabaseSettings) -> asyncpg.Pool:
    """A plain asyncpg pool on `settings`' database (its URL read by `connect_arguments`). No
    connection is opened before the first use, nothing is sent when one goes back (asyncpg's own
    reset is a round trip: `RESET ALL`, `UNLISTEN *`, …), and DATABASE_ECHO logs each statement."""
    return await asyncpg.create_pool(
        min_size=0,
        max_size=settings.pool_size,
        # Closed by the pool once idle this long, before a server's idle_session_timeout closes it
        # under a statement, and so that an idle service's backends go (the pollers let theirs go
        # sooner, shared/idle_backoff.py).
        max_inactive_connection_lifetime=IDLE_CONNECTION_SECONDS,
        reset=_no_reset,
        init=_log_statements if settings.echo else None,
        **connect_arguments(settings.url),
    )


async def create_read_pool(settings: DatabaseSettings, *, acquire_timeout: float = 30.0) -> ReadPool:
    """The read pool for `settings`' database (create_asyncpg_pool), waiting at most
    `acquire_timeout` seconds for a connection."""
    return ReadPool(await create_asyncpg_pool(settings), acquire_timeout=acquire_timeout)


async def _log_statements(connection: asyncpg.Connection) -> None:
    """DATABASE_ECHO: each statement logged, with its arguments."""
    connection.add_query_logger(lambda record: _read_logger.info("%s %r", record.query, record.args))


# A named parameter: `:name`, not the second colon of a `::type` cast, nor a colon inside a word
# or number. Quoted literals and identifiers and `--` comments are matched first and kept whole,
# so that a colon inside them (`'12:30'`, `'to: :name'`) is never taken for a parameter. Not
# understood (none of our statements has one): `/* … */` comments and `$$ … $$` bodies.
_NAMED = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|(?<![:\w]):([A-Za-z_]\w*)""")


class Statement:
    """One SQL statement written with named parameters (`WHERE order_id = :order_id`), turned
    once into asyncpg's positional form: `connection.fetch(s.sql, *s.args(order_id=…))`. A name
    used twice is one parameter. A `::type` cast, a quoted literal or identifier and a `--` comment
    are left as written.

    The conventions every statement here follows:
    - JSON and JSONB go as JSON text both ways (asyncpg's own codec): the caller `json.dumps` a
      value (None too, as JSON `null`) and `json.loads` what it reads.
    - A list is one `text[]` parameter, cast by the server: `id = ANY(:ids::text[]::uuid[])`,
      `status = ANY(:statuses::text[])`, given Python strings (a UUID as `str(uuid)`). asyncpg
      knows `text[]` without asking; any other array parameter (`uuid[]`, `varchar[]`) makes each
      new connection introspect its type first: four more round trips and a recursive catalog
      query of some milliseconds of the server's CPU, paid again by every connection a pool opens
      after an idle spell.
    - A parameter whose type the server cannot infer from where it stands (`:x IS NULL`, a bare
      select list) is cast: `CAST(:since AS timestamptz)`.
    - Only the code's own names (tables, columns) are ever put into SQL text; a request's values
      go as parameters. That is why ruff's S608 is silenced on the statements that name a table
      they are given."""

    __slots__ = ("names", "sql")

    def __init__(self, sql: str) -> None:
        names: list[str] = []

        def positional(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:  # a literal, a quoted identifier or a comment
                return match.group(0)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self.sql = _NAMED.sub(positional, sql)
        self.names = tuple(names)

    def args(self, **values: Any) -> list[Any]:
        """The parameters in `$n` order; a name left out is an error (KeyError), not a NULL."""
        return [values[name] for name in self.names]

    def __repr__(self) -> str:
        return f"Statement({self.sql!r})"


def like_containing(text: str) -> str:
    """A LIKE (or ILIKE) pattern matching `text` anywhere, its own `%`, `_` and `\\` taken literally,
    escaped with PostgreSQL's default escape character (the backslash): no ESCAPE clause needed."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Parameters:
    """The arguments of a statement built per call (a list's optional filters): each value added
    answers the `$n` that stands for it in the SQL being built.

        params = Parameters()
        where = ["role = " + params.add(role)] if role else []
        rows = await connection.fetch(f"SELECT … WHERE {' AND '.join(where) or 'true'}", *params)
    """

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def __iter__(self) -> Any:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


@asynccontextmanager
async def pooled_connection(pool: asyncpg.Pool, acquire_timeout: float) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `pool` for a few autocommit statements, given back afterwards; none coming
    free within `acquire_timeout` is DatabaseBusy (a 503)."""
    try:
        connection = await pool.acquire(timeout=acquire_timeout)
    except TimeoutError as exc:
        raise DatabaseBusy("no pooled connection came free in time") from exc
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
    `acquire_timeout` is DatabaseBusy (a 503)."""

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
                raise DatabaseBusy("no pooled connection came free in time") from exc
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
