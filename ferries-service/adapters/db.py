"""ferries-service tables (bookings, and the Idempotency-Keys of POST /internal/bookings) and the
booking repository and its unit of work, straight on asyncpg (statements compiled once from these
Core tables, which the migrations use too). Repositories never commit; the unit of work does, when
a use case says so."""

from __future__ import annotations

import asyncpg
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from adapters.serialization import booking_from_row, booking_to_row
from domain.bookings import Booking
from shared.booking_table import BookingRows, status_check
from shared.db import NAMING_CONVENTION, AsyncpgUnitOfWork
from shared.idempotency import idempotency_table

metadata = MetaData(naming_convention=NAMING_CONVENTION)

bookings = Table(
    "bookings",
    metadata,
    Column("reference", String(64), primary_key=True),  # ours, opaque (a UUID)
    Column("offer_id", String(512), nullable=False),
    Column("status", String(16), nullable=False),
    Column("supplier", String(32), nullable=False),
    Column("supplier_booking_id", String(64), nullable=False),
    Column("supplier_reference", String(32), nullable=False),  # the operator's booking code
    Column("hold_expires_at", DateTime(timezone=True), nullable=False),
    Column("items", JSONB, nullable=False),  # the quote's lines
    Column("total", Numeric(14, 2), nullable=False),
    Column("sailing", JSONB, nullable=False),  # the sailing as sold, for the e-tickets
    Column("details", JSONB, nullable=False),  # passengers, vehicle, contact (normalised)
    Column("documents", JSONB, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("refund_amount", Numeric(14, 2), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    status_check(),
    CheckConstraint("total >= 0", name="total_not_negative"),
    CheckConstraint("refund_amount IS NULL OR refund_amount >= 0", name="refund_not_negative"),
    UniqueConstraint("supplier", "supplier_booking_id", name="uq_bookings_supplier_booking"),
)

idempotency_keys = idempotency_table(metadata)


class SqlBookingRepository(BookingRows[Booking]):
    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__(connection, bookings, booking_to_row, booking_from_row)


class SqlBookingUnitOfWork(AsyncpgUnitOfWork):
    """One pooled connection and one transaction, rolled back unless the use case commits."""

    bookings: SqlBookingRepository

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.bookings = SqlBookingRepository(connection)
