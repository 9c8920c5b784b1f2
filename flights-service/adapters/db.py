"""flights-service tables (bookings, and the idempotency keys of hold requests) and the SQLAlchemy
implementations of the booking ports. Repositories never commit; the unit of work does, when a
use case says so."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import (
    Booking,
    BookingStatus,
    Contact,
    FailureKind,
    Gender,
    HoldAttempt,
    HoldFailure,
    Passenger,
    Ticket,
    Title,
)
from domain.models import PassengerType
from shared.db import SqlAlchemyUnitOfWork

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
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("offer_id", String(512), nullable=False),
    Column("supplier", String(32), nullable=False),
    Column("supplier_order_id", String(128), nullable=False),
    Column("supplier_reference", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_price", Numeric(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("hold_expires_at", DateTime(timezone=True), nullable=False),
    Column("passengers", JSONB, nullable=False),
    Column("contact", JSONB, nullable=False),
    Column("tickets", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # What the supplier refunds for cancelling an issued booking, when it says (Duffel).
    Column("refund_amount", Numeric(14, 2), nullable=True),
    CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
    CheckConstraint("total_price >= 0", name="total_not_negative"),
    CheckConstraint("refund_amount IS NULL OR refund_amount >= 0", name="refund_not_negative"),
    UniqueConstraint("supplier", "supplier_order_id", name="uq_bookings_supplier_order"),
)

# One row per Idempotency-Key of POST /internal/bookings, inserted first (its unique key is the
# lock concurrent duplicates wait on) and given the first outcome in the same transaction.
hold_requests = Table(
    "hold_requests",
    metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("booking_reference", String(64), ForeignKey("bookings.reference"), nullable=True),
    Column("outcome", JSONB, nullable=True),  # {"booking": {...}} as first answered, or {"failure": {...}}
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# --- JSON codecs ------------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def passenger_to_json(p: Passenger) -> dict[str, Any]:
    return {
        "type": p.type.value,
        "title": p.title.value,
        "gender": p.gender.value,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "nationality": p.nationality,
        "passport_number": p.passport_number,
        "passport_expiry": p.passport_expiry.isoformat() if p.passport_expiry else None,
        "supplier_passenger_id": p.supplier_passenger_id,
    }


def passenger_from_json(d: dict[str, Any]) -> Passenger:
    return Passenger(
        type=PassengerType(d["type"]),
        title=Title(d["title"]),
        gender=Gender(d["gender"]),
        first_name=d["first_name"],
        last_name=d["last_name"],
        date_of_birth=date.fromisoformat(d["date_of_birth"]),
        nationality=d.get("nationality"),
        passport_number=d.get("passport_number"),
        passport_expiry=_date(d.get("passport_expiry")),
        supplier_passenger_id=d.get("supplier_passenger_id"),
    )


def ticket_to_json(t: Ticket) -> dict[str, Any]:
    return {
        "passenger": t.passenger,
        "ticket_number": t.ticket_number,
        "supplier_passenger_id": t.supplier_passenger_id,
    }


def ticket_from_json(d: dict[str, Any]) -> Ticket:
    return Ticket(d["passenger"], d["ticket_number"], d.get("supplier_passenger_id"))


def booking_to_row(b: Booking) -> dict[str, Any]:
    return {
        "reference": b.reference,
        "idempotency_key": b.idempotency_key,
        "request_hash": b.request_hash,
        "offer_id": b.offer_id,
        "supplier": b.supplier,
        "supplier_order_id": b.supplier_order_id,
        "supplier_reference": b.supplier_reference,
        "status": b.status.value,
        "total_price": b.total_price,
        "currency": b.currency,
        "hold_expires_at": b.hold_expires_at,
        "passengers": [passenger_to_json(p) for p in b.passengers],
        "contact": {"email": b.contact.email, "phone": b.contact.phone},
        "tickets": [ticket_to_json(t) for t in b.tickets],
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "refund_amount": b.refund_amount,
    }


def booking_from_row(row: RowMapping | dict[str, Any]) -> Booking:
    return Booking(
        reference=row["reference"],
        idempotency_key=row["idempotency_key"],
        request_hash=row["request_hash"],
        offer_id=row["offer_id"],
        supplier=row["supplier"],
        supplier_order_id=row["supplier_order_id"],
        supplier_reference=row["supplier_reference"],
        status=BookingStatus(row["status"]),
        total_price=Decimal(row["total_price"]),
        currency=row["currency"],
        hold_expires_at=row["hold_expires_at"],
        passengers=tuple(passenger_from_json(p) for p in row["passengers"]),
        contact=Contact(**row["contact"]),
        tickets=tuple(ticket_from_json(t) for t in row["tickets"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        refund_amount=Decimal(row["refund_amount"]) if row.get("refund_amount") is not None else None,
    )


def booking_to_json(b: Booking) -> dict[str, Any]:
    row = booking_to_row(b)
    for name in ("hold_expires_at", "created_at", "updated_at"):
        row[name] = row[name].isoformat()
    row["total_price"] = str(b.total_price)
    row["refund_amount"] = str(b.refund_amount) if b.refund_amount is not None else None
    return row


def booking_from_json(d: dict[str, Any]) -> Booking:
    row = dict(d)
    for name in ("hold_expires_at", "created_at", "updated_at"):
        row[name] = datetime.fromisoformat(row[name])
    return booking_from_row(row)


def failure_to_json(f: HoldFailure) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "message": f.message,
        "previous_total": str(f.previous_total) if f.previous_total is not None else None,
        "current_total": str(f.current_total) if f.current_total is not None else None,
        "supplier": f.supplier,
    }


def failure_from_json(d: dict[str, Any]) -> HoldFailure:
    return HoldFailure(
        kind=FailureKind(d["kind"]),
        message=d["message"],
        previous_total=Decimal(d["previous_total"]) if d.get("previous_total") is not None else None,
        current_total=Decimal(d["current_total"]) if d.get("current_total") is not None else None,
        supplier=d.get("supplier"),
    )


def _attempt(row: RowMapping) -> HoldAttempt:
    outcome = row["outcome"] or {}
    return HoldAttempt(
        key=row["idempotency_key"],
        request_hash=row["request_hash"],
        booking=booking_from_json(outcome["booking"]) if outcome.get("booking") else None,
        failure=failure_from_json(outcome["failure"]) if outcome.get("failure") else None,
    )


# --- repository and unit of work ----------------------------------------------------------------


class SqlBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_attempt(self, key: str) -> HoldAttempt | None:
        statement = select(hold_requests).where(hold_requests.c.idempotency_key == key)
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _attempt(row)

    async def claim(self, key: str, request_hash: str, now: datetime) -> HoldAttempt | None:
        # A concurrent insert of the same key blocks here until the other transaction ends; if
        # it committed, this one sees the conflict and reads the recorded outcome.
        statement = (
            insert(hold_requests)
            .values(idempotency_key=key, request_hash=request_hash, created_at=now)
            .on_conflict_do_nothing(index_elements=[hold_requests.c.idempotency_key])
            .returning(hold_requests.c.idempotency_key)
        )
        if (await self._session.execute(statement)).first() is not None:
            return None
        return await self.find_attempt(key)

    async def record(
        self, key: str, *, booking: Booking | None = None, failure: HoldFailure | None = None
    ) -> None:
        outcome: dict[str, Any] = (
            {"booking": booking_to_json(booking)}
            if booking is not None
            else {"failure": failure_to_json(failure) if failure is not None else None}
        )
        await self._session.execute(
            update(hold_requests)
            .where(hold_requests.c.idempotency_key == key)
            .values(outcome=outcome, booking_reference=booking.reference if booking else None)
        )

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
