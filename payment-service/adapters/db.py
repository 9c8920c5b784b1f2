"""payment-service tables (charges, raw notifications, refunds, the outbox, Idempotency-Keys) and
their rows as domain objects. The migrations declare the tables from here, and the unit of work
(adapters/unit_of_work.py) compiles its statements from them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

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

from domain.models import Charge, ChargeStatus
from domain.repository import Refund, Verdict
from shared.idempotency import idempotency_table
from shared.money import money_string
from shared.outbox import outbox_table

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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


# --- rows <-> domain --------------------------------------------------------------------------


def charge_from_row(row: Mapping[str, Any]) -> Charge:
    return Charge(
        id=row["id"],
        order_id=row["order_id"],
        idempotency_key=row["idempotency_key"],
        gross_amount=row["gross_amount"],
        currency=row["currency"],
        request=row["request"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        gateway=row["gateway"],
        status=ChargeStatus(row["status"]),
        transaction_status=row["transaction_status"],
        fraud_status=row["fraud_status"],
        status_code=row["status_code"],
        payment_type=row["payment_type"],
        gateway_transaction_id=row["gateway_transaction_id"],
        settlement_time=row["settlement_time"],
        token=row["token"],
        redirect_url=row["redirect_url"],
        refunded_amount=row["refunded_amount"],
    )


# The columns a saved charge may change.
MUTABLE_COLUMNS = (
    "status",
    "transaction_status",
    "fraud_status",
    "status_code",
    "payment_type",
    "gateway_transaction_id",
    "settlement_time",
    "token",
    "redirect_url",
    "request",  # the customer leaves it once the gateway has it
    "refunded_amount",
    "updated_at",
)


def mutable_columns(charge: Charge) -> dict[str, Any]:
    values = {name: getattr(charge, name) for name in MUTABLE_COLUMNS}
    values["status"] = charge.status.value
    return values


def refund_to_json(refund: Refund) -> dict[str, Any]:
    return {
        "refund_key": refund.refund_key,
        "order_id": refund.order_id,
        "amount": money_string(refund.amount),
        "reason": refund.reason,
        "status": refund.status,
        "transaction_status": refund.transaction_status,
        "refunded_amount": money_string(refund.refunded_amount),
        "created_at": refund.created_at.isoformat(),
    }


def refund_from_row(row: Mapping[str, Any]) -> Refund:
    result = row["result"]
    return Refund(
        refund_key=row["refund_key"],
        order_id=row["order_id"],
        amount=row["amount"],
        reason=row["reason"],
        status=result["status"],
        transaction_status=result["transaction_status"],
        refunded_amount=Decimal(result["refunded_amount"]),
        created_at=datetime.fromisoformat(result["created_at"]),
    )
