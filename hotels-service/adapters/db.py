"""hotels-service tables (bookings, and the Idempotency-Keys of hold requests in the shape every
service shares) and the booking ports straight on asyncpg (statements compiled once from these
Core tables, which the migrations use too). Repositories never commit; the unit of work does,
when a use case says so."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.bookings import Booking, Guest, GuestDetails
from shared.booking_lifecycle import BookingStatus, Contact
from shared.booking_table import (
    BookingRows,
    Row,
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
    money_or_none,
    status_check,
)
from shared.db import NAMING_CONVENTION, AsyncpgUnitOfWork
from shared.idempotency import idempotency_table

metadata = MetaData(naming_convention=NAMING_CONVENTION)

bookings = Table(
    "bookings",
    metadata,
    Column("reference", String(64), primary_key=True),  # ours, opaque (a UUID today)
    Column("offer_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("supplier", String(32), nullable=False),
    Column("supplier_reference", String(64), nullable=True),  # set once the supplier booked
    Column("rate_key", Text, nullable=False),  # the rate as checked at hold time
    Column("total", Numeric(14, 2), nullable=False),
    Column("quote", JSONB, nullable=False),
    Column("details", JSONB, nullable=False),  # guests, contact, special requests (normalised)
    Column("stay", JSONB, nullable=False),  # hotel, dates, room, board, policies, fixed at hold time
    Column("documents", JSONB, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("refund_amount", Numeric(14, 2), nullable=True),
    Column("hold_expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    status_check(),
    CheckConstraint("total >= 0", name="total_not_negative"),
    CheckConstraint("refund_amount IS NULL OR refund_amount >= 0", name="refund_not_negative"),
)

# One row per Idempotency-Key of POST /internal/bookings (shared.idempotency).
idempotency_keys = idempotency_table(metadata)


def booking_to_row(b: Booking) -> dict[str, Any]:
    return {
        "reference": b.reference,
        "offer_id": b.offer_id,
        "status": b.status.value,
        "supplier": b.supplier,
        "supplier_reference": b.supplier_reference,
        "rate_key": b.rate_key,
        "total": b.total,
        "quote": line_items_to_json(b.quote),
        "details": b.details.as_dict(),
        "stay": b.stay,
        "documents": documents_to_json(b.documents),
        "failure_reason": b.failure_reason,
        "refund_amount": b.refund_amount,
        "hold_expires_at": b.hold_expires_at,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def booking_from_row(row: Row) -> Booking:
    details = row["details"]
    return Booking(
        reference=row["reference"],
        offer_id=row["offer_id"],
        status=BookingStatus(row["status"]),
        supplier=row["supplier"],
        supplier_reference=row["supplier_reference"],
        rate_key=row["rate_key"],
        total=Decimal(row["total"]),
        quote=line_items_from_json(row["quote"]),
        details=GuestDetails(
            tuple(Guest(g["first_name"], g["last_name"]) for g in details["guests"]),
            Contact(**details["contact"]),
            details.get("special_requests"),
        ),
        stay=row["stay"],
        documents=documents_from_json(row["documents"]),
        failure_reason=row["failure_reason"],
        refund_amount=money_or_none(row["refund_amount"]),
        hold_expires_at=row["hold_expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlBookingRepository(BookingRows[Booking]):
    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__(connection, bookings, booking_to_row, booking_from_row)


class SqlBookingUnitOfWork(AsyncpgUnitOfWork):
    """One pooled connection and one transaction, rolled back unless the use case commits."""

    _bookings: SqlBookingRepository

    def _bind(self, connection: asyncpg.Connection) -> None:
        self._bookings = SqlBookingRepository(connection)

    @property
    def bookings(self) -> SqlBookingRepository:
        return self._bookings
