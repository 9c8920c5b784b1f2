"""flights-service tables in SQLAlchemy Core: the bookings, and the Idempotency-Keys of hold
requests in the shape every service shares.

Only the migrations (migrations/env.py) and the tests import this; the service runs plain SQL on
asyncpg (adapters/unit_of_work.py) written against these tables."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.bookings import FLIGHT_STATUSES
from shared.schema import NAMING_CONVENTION, idempotency_table, status_check

metadata = MetaData(naming_convention=NAMING_CONVENTION)

bookings = Table(
    "bookings",
    metadata,
    Column("reference", String(64), primary_key=True),  # ours, opaque (a UUID today)
    # The caller's Idempotency-Key: a hold retried after its first process died finds its booking.
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("offer_id", String(512), nullable=False),
    Column("supplier", String(32), nullable=False),
    Column("supplier_order_id", String(128), nullable=False),
    Column("supplier_reference", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_price", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("hold_expires_at", DateTime(timezone=True), nullable=False),
    Column("passengers", JSONB, nullable=False),
    Column("contact", JSONB, nullable=False),
    Column("tickets", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # What the supplier refunds for cancelling an issued booking, when it says (Duffel).
    Column("refund_amount", Numeric(14, 2), nullable=True),
    # The trip by direction ([[{flight leg}, …], …]) and the quote's lines, fixed at hold time.
    Column("itineraries", JSONB, nullable=False),
    Column("quote", JSONB, nullable=False),
    status_check(FLIGHT_STATUSES),
    CheckConstraint("total_price >= 0", name="total_not_negative"),
    CheckConstraint("refund_amount IS NULL OR refund_amount >= 0", name="refund_not_negative"),
    UniqueConstraint("supplier", "supplier_order_id", name="uq_bookings_supplier_order"),
)

# One row per Idempotency-Key of POST /internal/bookings (shared.idempotency: the key row is
# committed before the supplier is asked, and the answer recorded on it).
idempotency_keys = idempotency_table(metadata)
