"""ppob-service tables (SQLAlchemy Core): offers, purchases (bookings), callback deliveries, the
margin (settings) and the Idempotency-Keys of hold requests.

Only the migrations (migrations/env.py) and the tests import this. The service itself runs plain
SQL on asyncpg (adapters/db.py), written against these tables."""

from __future__ import annotations

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
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.schema import NAMING_CONVENTION, idempotency_table, status_check

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
