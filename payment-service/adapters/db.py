"""payment-service rows as domain objects, and domain objects as rows: a charge's, a refund's. The
unit of work (adapters/unit_of_work.py) reads and writes them with the SQL of
adapters/statements.py; the tables themselves are declared in adapters/tables.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.models import Charge, ChargeStatus
from domain.repository import Refund
from shared.money import money_string


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
