"""transaction-service tables (SQLAlchemy Core): orders, transactions, payments, refunds, the audit
log, idempotency keys, processed events, the outbox and the local work queue.

Money is NUMERIC(14,2); timestamps are timestamptz (UTC). The Alembic revisions create exactly
these. Only the migrations and the tests import this module: the service's SQL (adapters/
ledger_statements.py, write_statements.py, reports.py) is plain text written against these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.models import SERVICE_TYPES
from shared.schema import NAMING_CONVENTION, idempotency_table, outbox_table

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ORDER_STATUSES = ("DRAFT", "CONFIRMED", "PAID", "CANCELLED", "COMPLETED")
TRANSACTION_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED")
PAYMENT_STATUSES = (
    "PENDING",
    "PAID",
    "FAILED",
    "EXPIRED",
    "CANCELLED",
    "REFUNDED",
    "PARTIALLY_REFUNDED",
    "CHALLENGE",
)
REFUND_STATUSES = ("PENDING", "SUCCEEDED", "FAILED")

MONEY = Numeric(14, 2)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("order_number", String(32), nullable=False, unique=True),
    Column("service_type", String(20), nullable=False),
    Column("service_id", String(512), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("total_amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False, server_default="IDR"),
    Column("status", String(20), nullable=False),
    # The product's normalised booking_details, stored and shown, never read here.
    Column("booking_details", JSONB, nullable=False, server_default="{}"),
    # The quote's lines: [{description, quantity, unit_price (decimal string)}].
    Column("line_items", JSONB, nullable=False, server_default="[]"),
    # The order's copy of its booking: {status, supplier, supplier_reference, holds_inventory,
    # documents, refund_amount, failure_reason, customer}.
    Column("booking", JSONB, nullable=False, server_default="{}"),
    Column("booking_reference", String(100), nullable=True),
    Column("hold_expires_at", DateTime(timezone=True), nullable=True),
    Column("failure_reason", Text, nullable=True),
    # Who is ending the unpaid order and how ({status, reason, actor}), while its charges stop.
    Column("ending", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"service_type IN {_in(SERVICE_TYPES)}", name="service_type_known"),
    CheckConstraint(f"status IN {_in(ORDER_STATUSES)}", name="status_known"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("total_amount >= 0", name="total_not_negative"),
    Index("ix_orders_user_created", "user_id", "created_at"),
    Index("ix_orders_status", "status"),
    Index("ix_orders_created_at", "created_at"),
    Index("ix_orders_status_hold", "status", "hold_expires_at"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("order_id", Uuid, ForeignKey("orders.id"), nullable=False, unique=True),
    Column("transaction_type", String(20), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False, server_default="IDR"),
    Column("status", String(20), nullable=False),
    Column("payment_method", String(50), nullable=True),
    Column("payment_gateway", String(50), nullable=True),
    Column("gateway_transaction_id", String(255), nullable=True),
    Column("refunded_amount", MONEY, nullable=False, server_default="0"),
    Column("metadata", JSONB, nullable=False, server_default="{}"),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"status IN {_in(TRANSACTION_STATUSES)}", name="status_known"),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount", name="refunded_within_amount"),
    Index("ix_transactions_user_created", "user_id", "created_at"),
    Index("ix_transactions_status", "status"),
    Index("ix_transactions_created_at", "created_at"),
    Index("ix_transactions_completed_at", "completed_at"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),  # also the Midtrans order_id
    Column("transaction_id", Uuid, ForeignKey("transactions.id"), nullable=False),
    Column("payment_method", String(50), nullable=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False, server_default="IDR"),
    Column("status", String(20), nullable=False),
    Column("gateway", String(20), nullable=False, server_default="midtrans"),
    Column("token", String(255), nullable=True),
    Column("redirect_url", Text, nullable=True),
    Column("gateway_transaction_id", String(255), nullable=True),
    Column("refunded_amount", MONEY, nullable=False, server_default="0"),
    Column("gateway_response", JSONB, nullable=True),
    Column("paid_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"status IN {_in(PAYMENT_STATUSES)}", name="status_known"),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    Index("ix_payments_transaction_id", "transaction_id"),
    Index("ix_payments_status", "status"),
    Index("ix_payments_created_at", "created_at"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("transaction_id", Uuid, ForeignKey("transactions.id"), nullable=False),
    Column("payment_id", Uuid, ForeignKey("payments.id"), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("reason", String(255), nullable=True),
    Column("status", String(20), nullable=False),
    Column("refund_key", String(200), nullable=False, unique=True),
    Column("processed_by", String(64), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"status IN {_in(REFUND_STATUSES)}", name="status_known"),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_refunds_transaction_id", "transaction_id"),
    Index("ix_refunds_status", "status"),
    Index("ix_refunds_created_at", "created_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entity_type", String(20), nullable=False),  # order | transaction | payment | refund
    Column("entity_id", Uuid, nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),  # account id, event:<id>, system:<job>
    Column("request_id", String(100), nullable=True),
    Column("reason", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_audit_log_entity", "entity_type", "entity_id", "id"),
    Index("ix_audit_log_at", "at"),
)

idempotency_keys = idempotency_table(metadata, "idempotency_keys")

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata, name="outbox")
work_queue = outbox_table(metadata, name="work_queue")
