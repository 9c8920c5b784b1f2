"""hotels-service tables in SQLAlchemy Core: the bookings, and the Idempotency-Keys of hold
requests in the shape every service shares. The migrations (migrations/env.py) and the tests
import this; the service process never does (adapters/db.py runs plain SQL on asyncpg)."""

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
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.schema import NAMING_CONVENTION, idempotency_table, status_check

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
