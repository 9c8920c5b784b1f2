"""ferries-service's booking repository and its unit of work, in plain SQL straight on asyncpg
(shared.booking_table's statements over the bookings table; its Core declaration, for the
migrations, is adapters/tables.py). Repositories never commit; the unit of work does, when a use
case says so."""

from __future__ import annotations

import asyncpg

from adapters.serialization import booking_from_row, booking_to_row
from domain.bookings import Booking
from shared.booking_table import BookingRows
from shared.db import AsyncpgUnitOfWork

BOOKINGS = "bookings"
# The bookings columns kept as JSONB: sent as JSON text, read back decoded.
BOOKING_JSON_COLUMNS = ("items", "sailing", "details", "documents")
# The Idempotency-Keys of POST /internal/bookings (shared.idempotency).
IDEMPOTENCY_KEYS = "idempotency_keys"


class SqlBookingRepository(BookingRows[Booking]):
    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__(
            connection, BOOKINGS, booking_to_row, booking_from_row, json_columns=BOOKING_JSON_COLUMNS
        )


class SqlBookingUnitOfWork(AsyncpgUnitOfWork):
    """One pooled connection and one transaction, rolled back unless the use case commits."""

    bookings: SqlBookingRepository

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.bookings = SqlBookingRepository(connection)
