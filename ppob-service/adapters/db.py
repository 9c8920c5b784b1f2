"""ppob-service tables (offers, purchases, callback deliveries, the margin, Idempotency-Keys) and
the SQLAlchemy implementation of the repository port. Repositories never commit; the unit of
work does, when a use case says so."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Booking, Category, Margin, Offer
from shared.booking_lifecycle import BookingStatus, Customer
from shared.booking_table import (
    BookingRows,
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
    status_check,
)
from shared.db import NAMING_CONVENTION, SqlAlchemyUnitOfWork
from shared.idempotency import idempotency_table

metadata = MetaData(naming_convention=NAMING_CONVENTION)

offers = Table(
    "offers",
    metadata,
    Column("offer_id", String(64), primary_key=True),
    Column("product_code", String(64), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("category", String(16), nullable=False),
    Column("brand", String(64), nullable=False),
    Column("customer_no", String(32), nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("cost", Numeric(14, 2), nullable=False),
    Column("details", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

bookings = Table(
    "bookings",
    metadata,
    Column("reference", String(64), primary_key=True),  # also the aggregator's ref_id
    Column("offer_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("product_code", String(64), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("category", String(16), nullable=False),
    Column("customer_no", String(32), nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("cost", Numeric(14, 2), nullable=False),
    Column("customer", JSONB, nullable=False),
    Column("details", JSONB, nullable=False),
    Column("documents", JSONB, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("supplier_reference", String(64), nullable=True),
    Column("checks", Integer, nullable=False),
    Column("next_check_at", DateTime(timezone=True), nullable=True),
    Column("hold_expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    status_check(),
    CheckConstraint("total >= 0 AND cost >= 0", name="money_not_negative"),
    Index("ix_bookings_pending_due", "next_check_at", postgresql_where="status = 'pending'"),
    Index("ix_bookings_status_created", "status", "created_at"),
)

callback_deliveries = Table(
    "callback_deliveries",
    metadata,
    Column("delivery_id", String(100), primary_key=True),
    Column("ref_id", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

settings_table = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

idempotency_keys = idempotency_table(metadata)


def _offer(row: RowMapping) -> Offer:
    return Offer(
        row["offer_id"],
        row["product_code"],
        row["product_name"],
        Category(row["category"]),
        row["brand"],
        row["customer_no"],
        line_items_from_json(row["lines"]),
        row["cost"],
        row["details"],
        row["created_at"],
        row["expires_at"],
    )


def _booking_values(b: Booking) -> dict[str, Any]:
    c = b.customer
    return {
        "reference": b.reference,
        "offer_id": b.offer_id,
        "status": str(b.status),
        "product_code": b.product_code,
        "product_name": b.product_name,
        "category": str(b.category),
        "customer_no": b.customer_no,
        "lines": line_items_to_json(b.lines),
        "total": b.total,
        "cost": b.cost,
        "customer": {
            "first_name": c.first_name,
            "last_name": c.last_name,
            "email": c.email,
            "phone": c.phone,
        },
        "details": b.details,
        "documents": documents_to_json(b.documents),
        "failure_reason": b.failure_reason,
        "supplier_reference": b.supplier_reference,
        "checks": b.checks,
        "next_check_at": b.next_check_at,
        "hold_expires_at": b.hold_expires_at,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def _booking(row: RowMapping | dict[str, Any]) -> Booking:
    return Booking(
        reference=row["reference"],
        offer_id=row["offer_id"],
        status=BookingStatus(row["status"]),
        product_code=row["product_code"],
        product_name=row["product_name"],
        category=Category(row["category"]),
        customer_no=row["customer_no"],
        lines=line_items_from_json(row["lines"]),
        cost=row["cost"],
        customer=Customer(**row["customer"]),
        details=row["details"],
        hold_expires_at=row["hold_expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        documents=documents_from_json(row["documents"]),
        failure_reason=row["failure_reason"],
        supplier_reference=row["supplier_reference"],
        checks=row["checks"],
        next_check_at=row["next_check_at"],
    )


class SqlPpobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        self._bookings = BookingRows(session, bookings, _booking_values, _booking)

    async def add_offer(self, offer: Offer) -> None:
        await self._s.execute(
            offers.insert().values(
                offer_id=offer.offer_id,
                product_code=offer.product_code,
                product_name=offer.product_name,
                category=str(offer.category),
                brand=offer.brand,
                customer_no=offer.customer_no,
                lines=line_items_to_json(offer.lines),
                cost=offer.cost,
                details=offer.details,
                created_at=offer.created_at,
                expires_at=offer.expires_at,
            )
        )

    async def get_offer(self, offer_id: str) -> Offer | None:
        row = (await self._s.execute(select(offers).where(offers.c.offer_id == offer_id))).mappings().first()
        return _offer(row) if row else None

    async def add_booking(self, booking: Booking) -> None:
        await self._bookings.add(booking)

    async def get_booking(self, reference: str, *, for_update: bool = False) -> Booking | None:
        return await self._bookings.get(reference, for_update=for_update)

    async def save_booking(self, booking: Booking) -> None:
        await self._bookings.save(booking)

    async def due_for_check(self, now: datetime, limit: int) -> list[str]:
        query = (
            select(bookings.c.reference)
            .where(bookings.c.status == "pending", bookings.c.next_check_at <= now)
            .order_by(bookings.c.next_check_at)
            .limit(limit)
        )
        return list((await self._s.execute(query)).scalars())

    async def next_check_at(self) -> datetime | None:
        query = select(func.min(bookings.c.next_check_at)).where(bookings.c.status == "pending")
        return (await self._s.execute(query)).scalar_one()  # type: ignore[no-any-return]

    async def claim_due(self, reference: str, now: datetime) -> Booking | None:
        # SKIP LOCKED: another replica's checker holding this row is asking about it right now.
        query = (
            select(bookings)
            .where(
                bookings.c.reference == reference,
                bookings.c.status == "pending",
                bookings.c.next_check_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
        return await self._bookings.first(query)

    async def list_bookings(
        self, status: BookingStatus | None, limit: int, offset: int
    ) -> tuple[list[Booking], int]:
        where = [bookings.c.status == str(status)] if status else []
        total = (await self._s.execute(select(func.count()).select_from(bookings).where(*where))).scalar_one()
        query = (
            select(bookings).where(*where).order_by(bookings.c.created_at.desc()).limit(limit).offset(offset)
        )
        rows = (await self._s.execute(query)).mappings().all()
        return [_booking(r) for r in rows], int(total)

    async def first_delivery(self, delivery_id: str, ref_id: str) -> bool:
        inserted = await self._s.execute(
            insert(callback_deliveries)
            .values(delivery_id=delivery_id[:100], ref_id=ref_id[:64])
            .on_conflict_do_nothing(index_elements=[callback_deliveries.c.delivery_id])
            .returning(callback_deliveries.c.delivery_id)
        )
        return inserted.scalar_one_or_none() is not None

    async def get_margin(self) -> Margin | None:
        query = select(settings_table.c.value).where(settings_table.c.name == "margin")
        value = (await self._s.execute(query)).scalar_one_or_none()
        return Margin(Decimal(value["flat"]), Decimal(value["percent"])) if value else None

    async def set_margin(self, margin: Margin) -> None:
        value = {"flat": str(margin.flat), "percent": str(margin.percent)}
        await self._s.execute(
            insert(settings_table)
            .values(name="margin", value=value)
            .on_conflict_do_update(
                index_elements=[settings_table.c.name], set_={"value": value, "updated_at": func.now()}
            )
        )


class SqlUnitOfWork(SqlAlchemyUnitOfWork):
    repo: SqlPpobRepository

    def _bind(self, session: AsyncSession) -> None:
        self.repo = SqlPpobRepository(session)
