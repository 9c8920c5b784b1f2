"""hotels-service's booking rows (the row codec), repository and unit of work, in plain SQL
straight on asyncpg (shared.booking_table's statements over the bookings table; its Core
declaration, for the migrations, is adapters/tables.py). Repositories never commit; the unit of
work does, when a use case says so."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import asyncpg

from domain.bookings import Booking, Guest, GuestDetails
from shared.booking_lifecycle import BookingStatus, Contact
from shared.booking_table import (
    BookingRows,
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
    money_or_none,
)
from shared.db import AsyncpgUnitOfWork

BOOKINGS = "bookings"
# The bookings columns kept as JSONB: sent as JSON text, read back decoded.
BOOKING_JSON_COLUMNS = ("quote", "details", "stay", "documents")
# One row per Idempotency-Key of POST /internal/bookings (shared.idempotency).
IDEMPOTENCY_KEYS = "idempotency_keys"


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


def booking_from_row(row: Mapping[str, Any]) -> Booking:
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
        super().__init__(
            connection, BOOKINGS, booking_to_row, booking_from_row, json_columns=BOOKING_JSON_COLUMNS
        )


class SqlBookingUnitOfWork(AsyncpgUnitOfWork):
    """One pooled connection and one transaction, rolled back unless the use case commits."""

    _bookings: SqlBookingRepository

    def _bind(self, connection: asyncpg.Connection) -> None:
        self._bookings = SqlBookingRepository(connection)

    @property
    def bookings(self) -> SqlBookingRepository:
        return self._bookings
