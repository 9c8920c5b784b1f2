"""The bookings' unit of work straight on asyncpg: one transaction per unit, rolled back unless
the use case commits, its statements plain SQL on the bookings table (adapters/tables.py declares
it for the migrations). Through SQLAlchemy's session each of a booking's statements (a hold's
look-up and insert, an issue's locked read and update) cost several times the CPU of the same
statement here, in the session, connection and result wrappers and the greenlet hop, for no check
these statements need.

A reading unit of work runs each statement on its own, outside a transaction (no BEGIN and
ROLLBACK round trips around a statement that neither locks nor writes), on shared.db's ReadPool
(a connection that died in the pool is replaced and the read tried again). JSONB columns go as
JSON text and come back as text (asyncpg's own codec), decoded here."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Self

import asyncpg

from adapters.db import JSON_COLUMNS, booking_from_row, booking_to_row
from domain.bookings import Booking
from shared.db import AsyncpgUnitOfWork, ReadPool, Statement

_COLUMNS = """
    reference, idempotency_key, offer_id, supplier, supplier_order_id, supplier_reference, status,
    total_price, currency, hold_expires_at, passengers, contact, tickets, created_at, updated_at,
    refund_amount, itineraries, quote"""

_BY_REFERENCE = f"""
    SELECT {_COLUMNS}
    FROM bookings
    WHERE reference = :reference"""  # noqa: S608 (column names only)
BY_REFERENCE = Statement(_BY_REFERENCE)
BY_REFERENCE_LOCKED = Statement(_BY_REFERENCE + "\n    FOR UPDATE")
BY_KEY = Statement(
    f"""
    SELECT {_COLUMNS}
    FROM bookings
    WHERE idempotency_key = :idempotency_key"""  # noqa: S608 (column names only)
)
INSERT = Statement(
    f"""
    INSERT INTO bookings ({_COLUMNS})
    VALUES (
        :reference, :idempotency_key, :offer_id, :supplier, :supplier_order_id,
        :supplier_reference, :status, :total_price, :currency, :hold_expires_at, :passengers,
        :contact, :tickets, :created_at, :updated_at, :refund_amount, :itineraries, :quote
    )"""  # noqa: S608 (column names only)
)
# The row's other columns are what the UPDATE sets; its reference is the key.
UPDATE = Statement(
    """
    UPDATE bookings SET
        idempotency_key = :idempotency_key,
        offer_id = :offer_id,
        supplier = :supplier,
        supplier_order_id = :supplier_order_id,
        supplier_reference = :supplier_reference,
        status = :status,
        total_price = :total_price,
        currency = :currency,
        hold_expires_at = :hold_expires_at,
        passengers = :passengers,
        contact = :contact,
        tickets = :tickets,
        created_at = :created_at,
        updated_at = :updated_at,
        refund_amount = :refund_amount,
        itineraries = :itineraries,
        quote = :quote
    WHERE reference = :reference"""
)


def _arguments(booking: Booking, statement: Statement) -> list[Any]:
    row = booking_to_row(booking)
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
        return _booking(
            await self._connection.fetchrow(BY_KEY.sql, *BY_KEY.args(idempotency_key=idempotency_key))
        )

    async def add(self, booking: Booking) -> None:
        await self._connection.execute(INSERT.sql, *_arguments(booking, INSERT))

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        """`for_update` locks the row until the unit of work ends, so issue and cancel are
        serialised (a retry or a race never reaches the supplier twice)."""
        statement = BY_REFERENCE_LOCKED if for_update else BY_REFERENCE
        return _booking(await self._connection.fetchrow(statement.sql, *statement.args(reference=reference)))

    async def save(self, booking: Booking) -> None:
        await self._connection.execute(UPDATE.sql, *_arguments(booking, UPDATE))


class ReadingBookings:
    """The reads of a reading unit of work, each a statement of its own; it writes nothing."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def find_by_key(self, idempotency_key: str) -> Booking | None:
        return _booking(await self._reads.fetchrow(BY_KEY.sql, *BY_KEY.args(idempotency_key=idempotency_key)))

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        if for_update:
            raise TypeError("a reading unit of work locks nothing")
        return _booking(await self._reads.fetchrow(BY_REFERENCE.sql, *BY_REFERENCE.args(reference=reference)))

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
