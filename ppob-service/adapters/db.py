"""ppob-service's rows (offers, purchases, callback deliveries, the margin) and the repository
port straight on asyncpg: one unit of work is one pooled connection and one transaction
(shared.db.AsyncpgUnitOfWork), rolled back unless a use case commits; repositories never commit.
Plain SQL, written once; the admin list, whose filter varies, is built per call. The tables are
declared in adapters/tables.py, for the migrations. JSONB columns go as JSON text and come back
as text (asyncpg's own codec), encoded and decoded here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from domain.models import Booking, Category, Margin, Offer
from shared.booking_lifecycle import BookingStatus, Customer
from shared.booking_table import (
    BookingRows,
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
)
from shared.db import AsyncpgUnitOfWork, Parameters, Statement

BOOKINGS = "bookings"
# One row per Idempotency-Key of POST /internal/bookings (shared.idempotency).
IDEMPOTENCY_KEYS = "idempotency_keys"
# The columns kept as JSONB: sent as JSON text, read back decoded.
OFFER_JSON_COLUMNS = ("lines", "details")
BOOKING_JSON_COLUMNS = ("lines", "customer", "details", "documents")

ADD_OFFER = Statement("""
INSERT INTO offers (
    offer_id, product_code, product_name, category, brand, customer_no, lines, cost, details,
    created_at, expires_at
) VALUES (
    :offer_id, :product_code, :product_name, :category, :brand, :customer_no, :lines, :cost, :details,
    :created_at, :expires_at
)""")
OFFER_BY_ID = Statement("SELECT offers.* FROM offers WHERE offers.offer_id = :offer_id")
DUE_FOR_CHECK = Statement("""
SELECT bookings.reference FROM bookings
WHERE bookings.status = 'pending' AND bookings.next_check_at <= :now
ORDER BY bookings.next_check_at
LIMIT :limit""")
NEXT_CHECK_AT = Statement("""
SELECT min(bookings.next_check_at) FROM bookings
WHERE bookings.status = 'pending'""")
# SKIP LOCKED: another replica's checker holding this row is asking about it right now.
CLAIM_DUE = Statement("""
SELECT bookings.* FROM bookings
WHERE bookings.reference = :reference AND bookings.status = 'pending' AND bookings.next_check_at <= :now
FOR UPDATE SKIP LOCKED""")
FIRST_DELIVERY = Statement("""
INSERT INTO callback_deliveries (delivery_id, ref_id) VALUES (:delivery_id, :ref_id)
ON CONFLICT (delivery_id) DO NOTHING
RETURNING callback_deliveries.delivery_id""")
MARGIN = Statement("SELECT settings.value FROM settings WHERE settings.name = 'margin'")
SET_MARGIN = Statement("""
INSERT INTO settings (name, value) VALUES ('margin', :value)
ON CONFLICT (name) DO UPDATE SET value = :value, updated_at = now()""")


def _decoded(record: asyncpg.Record, json_columns: tuple[str, ...]) -> dict[str, Any]:
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


def _booking(row: Mapping[str, Any]) -> Booking:
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
        self._bookings = BookingRows(
            connection, BOOKINGS, _booking_values, _booking, json_columns=BOOKING_JSON_COLUMNS
        )

    async def add_offer(self, offer: Offer) -> None:
        await self._connection.execute(ADD_OFFER.sql, *ADD_OFFER.args(**_offer_values(offer)))

    async def get_offer(self, offer_id: str) -> Offer | None:
        record = await self._connection.fetchrow(OFFER_BY_ID.sql, *OFFER_BY_ID.args(offer_id=offer_id))
        return _offer(_decoded(record, OFFER_JSON_COLUMNS)) if record else None

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
        # The count's parameters are the filter's; the page adds its LIMIT and OFFSET after them.
        params = Parameters()
        where = f"WHERE bookings.status = {params.add(str(status))}" if status else ""
        total = await self._connection.fetchval(f"SELECT count(*) FROM bookings {where}", *params)  # noqa: S608 (a column and $n only)
        page = f"""
SELECT bookings.* FROM bookings {where}
ORDER BY bookings.created_at DESC
LIMIT {params.add(limit)} OFFSET {params.add(offset)}"""  # noqa: S608 (a column and $n only)
        records = await self._connection.fetch(page, *params)
        return [_booking(_decoded(r, BOOKING_JSON_COLUMNS)) for r in records], int(total)

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
