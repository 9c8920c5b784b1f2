"""ppob-service tables (offers, purchases, callback deliveries, the margin, Idempotency-Keys) and
the repository port straight on asyncpg: one unit of work is one pooled connection and one
transaction (shared.db.AsyncpgUnitOfWork), rolled back unless a use case commits; repositories
never commit. Statements are the ones SQLAlchemy Core builds from these tables (the migrations use
them too), compiled once; the admin list, whose filter varies, is compiled per call (`bound`).
JSONB columns go as JSON text and come back as text (asyncpg's own codec), encoded and decoded
here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import (
    JSON,
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
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert

from domain.models import Booking, Category, Margin, Offer
from shared.booking_lifecycle import BookingStatus, Customer
from shared.booking_table import (
    BookingRows,
    Row,
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
    status_check,
)
from shared.db import NAMING_CONVENTION, AsyncpgStatement, AsyncpgUnitOfWork, bound
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


def _json_columns(table: Table) -> frozenset[str]:
    return frozenset(c.name for c in table.c if isinstance(c.type, JSON))


OFFER_JSON = _json_columns(offers)
BOOKING_JSON = _json_columns(bookings)

ADD_OFFER = AsyncpgStatement(offers.insert().values({c.name: bindparam(c.name) for c in offers.c}))
OFFER_BY_ID = AsyncpgStatement(select(offers).where(offers.c.offer_id == bindparam("offer_id"))).sql
DUE_FOR_CHECK = AsyncpgStatement(
    select(bookings.c.reference)
    .where(bookings.c.status == "pending", bookings.c.next_check_at <= bindparam("now"))
    .order_by(bookings.c.next_check_at)
    .limit(bindparam("limit"))
)
NEXT_CHECK_AT = AsyncpgStatement(
    select(func.min(bookings.c.next_check_at)).where(bookings.c.status == "pending")
)
# SKIP LOCKED: another replica's checker holding this row is asking about it right now.
CLAIM_DUE = AsyncpgStatement(
    select(bookings)
    .where(
        bookings.c.reference == bindparam("reference"),
        bookings.c.status == "pending",
        bookings.c.next_check_at <= bindparam("now"),
    )
    .with_for_update(skip_locked=True)
)
FIRST_DELIVERY = AsyncpgStatement(
    insert(callback_deliveries)
    .values(delivery_id=bindparam("delivery_id"), ref_id=bindparam("ref_id"))
    .on_conflict_do_nothing(index_elements=[callback_deliveries.c.delivery_id])
    .returning(callback_deliveries.c.delivery_id)
)
MARGIN = AsyncpgStatement(select(settings_table.c.value).where(settings_table.c.name == "margin"))
SET_MARGIN = AsyncpgStatement(
    insert(settings_table)
    .values(name="margin", value=bindparam("value"))
    .on_conflict_do_update(
        index_elements=[settings_table.c.name],
        set_={"value": bindparam("value"), "updated_at": func.now()},
    )
)


def _decoded(record: asyncpg.Record, json_columns: frozenset[str]) -> dict[str, Any]:
    """A row as the codecs read it: its JSONB columns parsed."""
    row = dict(record.items())
    for name in json_columns:
        if row.get(name) is not None:
            row[name] = json.loads(row[name])
    return row


def _offer(row: Mapping[str, Any]) -> Offer:
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


def _offer_values(offer: Offer) -> dict[str, Any]:
    return {
        "offer_id": offer.offer_id,
        "product_code": offer.product_code,
        "product_name": offer.product_name,
        "category": str(offer.category),
        "brand": offer.brand,
        "customer_no": offer.customer_no,
        "lines": json.dumps(line_items_to_json(offer.lines)),
        "cost": offer.cost,
        "details": json.dumps(offer.details),
        "created_at": offer.created_at,
        "expires_at": offer.expires_at,
    }


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


def _booking(row: Row) -> Booking:
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
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self._bookings = BookingRows(connection, bookings, _booking_values, _booking)

    async def add_offer(self, offer: Offer) -> None:
        await self._connection.execute(ADD_OFFER.sql, *ADD_OFFER.args(**_offer_values(offer)))

    async def get_offer(self, offer_id: str) -> Offer | None:
        record = await self._connection.fetchrow(OFFER_BY_ID, offer_id)
        return _offer(_decoded(record, OFFER_JSON)) if record else None

    async def add_booking(self, booking: Booking) -> None:
        await self._bookings.add(booking)

    async def get_booking(self, reference: str, *, for_update: bool = False) -> Booking | None:
        return await self._bookings.get(reference, for_update=for_update)

    async def save_booking(self, booking: Booking) -> None:
        await self._bookings.save(booking)

    async def due_for_check(self, now: datetime, limit: int) -> list[str]:
        records = await self._connection.fetch(DUE_FOR_CHECK.sql, *DUE_FOR_CHECK.args(now=now, limit=limit))
        return [record["reference"] for record in records]

    async def next_check_at(self) -> datetime | None:
        return await self._connection.fetchval(NEXT_CHECK_AT.sql, *NEXT_CHECK_AT.args())  # type: ignore[no-any-return]

    async def claim_due(self, reference: str, now: datetime) -> Booking | None:
        return await self._bookings.first(CLAIM_DUE.sql, *CLAIM_DUE.args(reference=reference, now=now))

    async def list_bookings(
        self, status: BookingStatus | None, limit: int, offset: int
    ) -> tuple[list[Booking], int]:
        where = [bookings.c.status == str(status)] if status else []
        count = select(func.count()).select_from(bookings).where(*where)
        total = await self._connection.fetchval(*bound(count))
        query = (
            select(bookings).where(*where).order_by(bookings.c.created_at.desc()).limit(limit).offset(offset)
        )
        records = await self._connection.fetch(*bound(query))
        return [_booking(_decoded(r, BOOKING_JSON)) for r in records], int(total)

    async def first_delivery(self, delivery_id: str, ref_id: str) -> bool:
        inserted = await self._connection.fetchval(
            FIRST_DELIVERY.sql, *FIRST_DELIVERY.args(delivery_id=delivery_id[:100], ref_id=ref_id[:64])
        )
        return inserted is not None

    async def get_margin(self) -> Margin | None:
        stored = await self._connection.fetchval(MARGIN.sql, *MARGIN.args())
        value = json.loads(stored) if stored is not None else None
        return Margin(Decimal(value["flat"]), Decimal(value["percent"])) if value else None

    async def set_margin(self, margin: Margin) -> None:
        value = {"flat": str(margin.flat), "percent": str(margin.percent)}
        await self._connection.execute(SET_MARGIN.sql, *SET_MARGIN.args(value=json.dumps(value)))


class SqlUnitOfWork(AsyncpgUnitOfWork):
    repo: SqlPpobRepository

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.repo = SqlPpobRepository(connection)
