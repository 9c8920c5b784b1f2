"""ferries-service tables (bookings, and the Idempotency-Keys of POST /internal/bookings) and the
SQLAlchemy implementation of the booking repository. Repositories never commit; the unit of work
does, when a use case says so."""

from __future__ import annotations

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
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.serialization import booking_from_row, booking_to_row
from domain.bookings import Booking
from shared.booking_lifecycle import BookingStatus
from shared.db import SqlAlchemyUnitOfWork
from shared.idempotency import idempotency_table

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
    CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
    CheckConstraint("total >= 0", name="total_not_negative"),
    CheckConstraint("refund_amount IS NULL OR refund_amount >= 0", name="refund_not_negative"),
    UniqueConstraint("supplier", "supplier_booking_id", name="uq_bookings_supplier_booking"),
)

idempotency_keys = idempotency_table(metadata)


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
    bookings: SqlBookingRepository

    def _bind(self, session: AsyncSession) -> None:
        self.bookings = SqlBookingRepository(session)
