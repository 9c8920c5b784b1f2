"""hotels-service tables (bookings, and the Idempotency-Keys of hold requests in the shape every
service shares) and the SQLAlchemy implementation of the booking ports. Repositories never
commit; the unit of work does, when a use case says so."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import Booking, Guest, GuestDetails
from shared.booking_lifecycle import BookingStatus, Contact, Document, LineItem
from shared.db import SqlAlchemyUnitOfWork
from shared.idempotency import idempotency_table
from shared.money import money_string

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

STATUSES = tuple(s.value for s in BookingStatus)

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
    CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
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
        "quote": [
            {"description": q.description, "quantity": q.quantity, "unit_price": money_string(q.unit_price)}
            for q in b.quote
        ],
        "details": b.details.as_dict(),
        "stay": b.stay,
        "documents": [
            {"kind": d.kind, "reference": d.reference, "title": d.title, "fields": d.fields}
            for d in b.documents
        ],
        "failure_reason": b.failure_reason,
        "refund_amount": b.refund_amount,
        "hold_expires_at": b.hold_expires_at,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def booking_from_row(row: RowMapping | dict[str, Any]) -> Booking:
    details = row["details"]
    return Booking(
        reference=row["reference"],
        offer_id=row["offer_id"],
        status=BookingStatus(row["status"]),
        supplier=row["supplier"],
        supplier_reference=row["supplier_reference"],
        rate_key=row["rate_key"],
        total=Decimal(row["total"]),
        quote=tuple(
            LineItem(q["description"], int(q["quantity"]), Decimal(q["unit_price"])) for q in row["quote"]
        ),
        details=GuestDetails(
            tuple(Guest(g["first_name"], g["last_name"]) for g in details["guests"]),
            Contact(**details["contact"]),
            details.get("special_requests"),
        ),
        stay=row["stay"],
        documents=tuple(
            Document(d["kind"], d["reference"], d["title"], d["fields"]) for d in row["documents"]
        ),
        failure_reason=row["failure_reason"],
        refund_amount=Decimal(row["refund_amount"]) if row["refund_amount"] is not None else None,
        hold_expires_at=row["hold_expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, booking: Booking) -> None:
        await self._session.execute(insert(bookings).values(**booking_to_row(booking)))

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        statement = select(bookings).where(bookings.c.reference == reference)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else booking_from_row(row)

    async def save(self, booking: Booking) -> None:
        row = booking_to_row(booking)
        reference = row.pop("reference")
        await self._session.execute(update(bookings).where(bookings.c.reference == reference).values(**row))


class SqlBookingUnitOfWork(SqlAlchemyUnitOfWork):
    _bookings: SqlBookingRepository

    def _bind(self, session: AsyncSession) -> None:
        self._bookings = SqlBookingRepository(session)

    @property
    def bookings(self) -> SqlBookingRepository:
        return self._bookings
