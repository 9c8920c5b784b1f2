"""ferries-service tables in SQLAlchemy Core: the bookings, and the Idempotency-Keys of POST
/internal/bookings in the shape every service shares. The migrations (migrations/env.py) and the
tests import this; the service process never does (adapters/db.py runs plain SQL on asyncpg)."""

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
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.schema import NAMING_CONVENTION, idempotency_table, status_check

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
