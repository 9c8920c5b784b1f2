"""payment-service tables in SQLAlchemy Core: charges, raw notifications, refunds, the outbox and
the Idempotency-Keys.

Only the migrations (migrations/env.py) and the tests import this; the service runs plain SQL on
asyncpg (adapters/statements.py) written against these tables."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.models import ChargeStatus
from domain.repository import Verdict
from shared.schema import NAMING_CONVENTION, idempotency_table, outbox_table

metadata = MetaData(naming_convention=NAMING_CONVENTION)

STATUSES = tuple(s.value for s in ChargeStatus)
VERDICTS = tuple(v.value for v in Verdict)
MONEY = Numeric(14, 2)

charges = Table(
    "charges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("order_id", String(50), nullable=False, unique=True),  # Midtrans's order_id (the caller's)
    Column("gateway", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("transaction_status", String(40), nullable=True),
    Column("fraud_status", String(40), nullable=True),
    Column("status_code", String(10), nullable=True),
    Column("gross_amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_type", String(40), nullable=True),
    Column("gateway_transaction_id", String(100), nullable=True),
    Column("token", String(200), nullable=True),
    Column("redirect_url", Text, nullable=True),
    Column("refunded_amount", MONEY, nullable=False),
    Column("settlement_time", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("request", JSONB, nullable=False),  # the Snap body we sent (it holds no secret)
    Column("idempotency_key", String(200), nullable=False, unique=True),  # the key it was created under
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
    CheckConstraint("gross_amount > 0", name="gross_positive"),
    CheckConstraint("refunded_amount >= 0 AND refunded_amount <= gross_amount", name="refunded_within_gross"),
)

# Every notification (Midtrans) or callback (Xendit) anyone posted, with what we made of it: an
# accepted one whole, a rejected one as a capped summary, purged after a retention.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("gateway", String(20), nullable=False, server_default="midtrans"),
    Column("order_id", String(100), nullable=True),
    Column("transaction_status", String(100), nullable=True),
    Column("verdict", String(20), nullable=False),
    Column("detail", Text, nullable=True),
    Column("raw_body", Text, nullable=False),
    Column("body", JSONB, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # When an accepted body was reduced to what we act on (domain/personal_data.py); null: whole.
    Column("reduced_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(f"verdict IN {VERDICTS!r}", name="verdict_known"),
    Index("ix_notifications_order_id", "order_id"),
    # The retention job's query: old rejects.
    Index(
        "ix_notifications_rejected_received_at",
        "received_at",
        postgresql_where=text("verdict <> 'accepted'"),
    ),
    # …and accepted ones whose bodies are still whole.
    Index(
        "ix_notifications_unreduced_received_at",
        "received_at",
        postgresql_where=text("verdict = 'accepted' AND reduced_at IS NULL"),
    ),
)

refunds = Table(
    "refunds",
    metadata,
    Column("refund_key", String(200), primary_key=True),  # the Idempotency-Key, Midtrans's refund_key
    Column("order_id", String(50), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("reason", Text, nullable=False),
    Column("result", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_refunds_order_id", "order_id"),
)

outbox = outbox_table(metadata)
# Idempotency-Key records of POST /internal/charges and …/refunds (shared.idempotency).
idempotency_keys = idempotency_table(metadata)
