"""Records → the JSON the API answers (money as decimal strings, instants as ISO-8601)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.records import AuditEntry, Order, Payment, Refund, Transaction
from shared.money import money_string


def _iso(value: datetime | None) -> str | None:
    # UTC with a "Z", as pydantic writes instants in every other service.
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else money_string(value)


def order_view(r: Order, transaction_id: uuid.UUID | None) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "order_number": r.order_number,
        "user_id": r.user_id,
        "status": str(r.status),
        "service_type": r.service_type,
        "offer_id": r.service_id,
        "quantity": r.quantity,
        "unit_price": _money(r.unit_price),
        "total_amount": _money(r.total_amount),
        "currency": r.currency,
        "transaction_id": str(transaction_id) if transaction_id else None,
        "booking_reference": r.booking_reference,
        "hold_expires_at": _iso(r.hold_expires_at),
        "line_items": [
            {"description": i.description, "quantity": i.quantity, "unit_price": money_string(i.unit_price)}
            for i in r.line_items
        ],
        "booking_details": r.booking_details,
        "booking": {
            "status": r.booking.status,
            "supplier": r.booking.supplier,
            "supplier_reference": r.booking.supplier_reference,
            "holds_inventory": r.booking.holds_inventory,
            "documents": r.booking.documents,
            "refund_amount": _money(r.booking.refund_amount),
            "failure_reason": r.booking.failure_reason,
        },
        "failure_reason": r.failure_reason,
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }


def transaction_view(r: Transaction, payments: Sequence[Payment] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(r.id),
        "user_id": r.user_id,
        "order_id": str(r.order_id),
        "transaction_type": r.transaction_type,
        "amount": _money(r.amount),
        "currency": r.currency,
        "status": str(r.status),
        "payment_method": r.payment_method,
        "payment_gateway": r.payment_gateway,
        "gateway_transaction_id": r.gateway_transaction_id,
        "refunded_amount": _money(r.refunded_amount),
        "metadata": r.metadata,
        "completed_at": _iso(r.completed_at),
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }
    if payments is not None:
        view["payment_ids"] = [str(p.id) for p in payments]
    return view


def payment_view(r: Payment) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "transaction_id": str(r.transaction_id),
        "status": str(r.status),
        "gateway": r.gateway,
        "payment_method": r.payment_method,
        "token": r.token,
        "redirect_url": r.redirect_url,
        "amount": _money(r.amount),
        "currency": r.currency,
        "refunded_amount": _money(r.refunded_amount),
        "gateway_transaction_id": r.gateway_transaction_id,
        "paid_at": _iso(r.paid_at),
        "expires_at": _iso(r.expires_at),
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }


def refund_view(r: Refund) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "transaction_id": str(r.transaction_id),
        "payment_id": str(r.payment_id),
        "amount": _money(r.amount),
        "currency": "IDR",
        "reason": r.reason,
        "status": str(r.status),
        "processed_by": r.processed_by,
        "processed_at": _iso(r.processed_at),
        "created_at": _iso(r.created_at),
    }


def audit_view(e: AuditEntry) -> dict[str, Any]:
    return {
        "entity_type": e.entity_type,
        "entity_id": str(e.entity_id),
        "from_status": e.from_status,
        "to_status": e.to_status,
        "actor": e.actor,
        "request_id": e.request_id,
        "reason": e.reason,
        "at": _iso(e.at),
    }
