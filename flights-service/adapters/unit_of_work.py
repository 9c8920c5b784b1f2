"""The bookings' unit of work straight on asyncpg: one transaction per unit, rolled back unless
the use case commits, its statements the SQL SQLAlchemy sends for them, compiled once from the
table declared in adapters/db.py (the migrations use it). Through SQLAlchemy's session each of a booking's
statements (a hold's look-up and insert, an issue's locked read and update) cost several times
the CPU of the same statement here, in the session, connection and result wrappers and the
greenlet hop, for no check these statements need.

A reading unit of work runs each statement on its own, outside a transaction (no BEGIN and
ROLLBACK round trips around a statement that neither locks nor writes), on shared.db's ReadPool
(a connection that died in the pool is replaced and the read tried again). JSONB columns go as
JSON text and come back as text (asyncpg's own codec), decoded here."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Self

import asyncpg
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import JSONB

from adapters.db import booking_from_row, booking_to_row, bookings
from domain.bookings import Booking
from shared.db import AsyncpgStatement, AsyncpgUnitOfWork, ReadPool

JSON_COLUMNS = frozenset(c.name for c in bookings.c if isinstance(c.type, JSONB))


_BY_REFERENCE = select(bookings).where(bookings.c.reference == bindparam("reference"))
BY_REFERENCE = AsyncpgStatement(_BY_REFERENCE).sql
BY_REFERENCE_LOCKED = AsyncpgStatement(_BY_REFERENCE.with_for_update()).sql
BY_KEY = AsyncpgStatement(
    select(bookings).where(bookings.c.idempotency_key == bindparam("idempotency_key"))
).sql
INSERT = AsyncpgStatement(bookings.insert().values({c.name: bindparam(c.name) for c in bookings.c}))
# The row's other columns are what the UPDATE sets; its reference is the key.
UPDATE = AsyncpgStatement(
    update(bookings)
    .where(bookings.c.reference == bindparam("key_reference"))
    .values({c.name: bindparam(c.name) for c in bookings.c if c.name != "reference"})
)


def _arguments(booking: Booking, statement: AsyncpgStatement) -> list[Any]:
    row = booking_to_row(booking)
    row["key_reference"] = row["reference"]
    return statement.args(**{c: json.dumps(v) if c in JSON_COLUMNS else v for c, v in row.items()})


def _booking(record: asyncpg.Record | None) -> Booking | None:
    if record is None:
        return None
    row = dict(record.items())
    for column in JSON_COLUMNS:
        row[column] = json.loads(row[column])
    return booking_from_row(row)


class PgBookingRepository:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def find_by_key(self, idempotency_key: str) -> Booking | None:
        return _booking(await self._connection.fetchrow(BY_KEY, idempotency_key))

    async def add(self, booking: Booking) -> None:
        await self._connection.execute(INSERT.sql, *_arguments(booking, INSERT))

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        """`for_update` locks the row until the unit of work ends, so issue and cancel are
        serialised (a retry or a race never reaches the supplier twice)."""
        return _booking(
            await self._connection.fetchrow(BY_REFERENCE_LOCKED if for_update else BY_REFERENCE, reference)
        )

    async def save(self, booking: Booking) -> None:
        await self._connection.execute(UPDATE.sql, *_arguments(booking, UPDATE))


class ReadingBookings:
    """The reads of a reading unit of work, each a statement of its own; it writes nothing."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def find_by_key(self, idempotency_key: str) -> Booking | None:
        return _booking(await self._reads.fetchrow(BY_KEY, idempotency_key))

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        if for_update:
            raise TypeError("a reading unit of work locks nothing")
        return _booking(await self._reads.fetchrow(BY_REFERENCE, reference))

    async def add(self, booking: Booking) -> None:
        raise TypeError("a reading unit of work writes nothing")

    async def save(self, booking: Booking) -> None:
        raise TypeError("a reading unit of work writes nothing")


class PgReadingUnitOfWork:
    """For one-statement reads that neither lock nor write (a hold's look for its key)."""

    def __init__(self, reads: ReadPool) -> None:
        self._bookings = ReadingBookings(reads)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @property
    def bookings(self) -> ReadingBookings:
        return self._bookings

    async def commit(self) -> None:
        return None


class PgBookingUnitOfWork(AsyncpgUnitOfWork):
    def _bind(self, connection: asyncpg.Connection) -> None:
        self._bookings = PgBookingRepository(connection)

    @property
    def bookings(self) -> PgBookingRepository:
        return self._bookings
