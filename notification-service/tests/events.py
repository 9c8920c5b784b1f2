"""Events as transaction-service's outbox writes them (the `order` member included), for every
tier's tests, and the signing of them as its relay does."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared import signing

ORDER_ID = "8b7f0a52-5d7e-4a43-9d0c-2f6b1c1d9e01"
USER_ID = "3f2d6c1e-0000-4000-8000-000000000001"


def order(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "order_number": "TQ-20261204-7F3C9A",
        "service_type": "flight",
        "status": "CONFIRMED",
        "total_amount": "1250000.00",
        "currency": "IDR",
        "payment_deadline": "2026-12-04T07:20:00Z",
        "line_items": [
            {"description": "Adult fare CGK-DPS GA 410 2026-12-20", "quantity": 1, "unit_price": "1250000.00"}
        ],
        "customer": {
            "first_name": "Siti",
            "last_name": "Rahayu",
            "email": "siti@example.co.id",
            "phone": "+6281234567890",
        },
        "supplier_reference": None,
        "documents": [],
        "failure_reason": None,
    }
    return {**base, **changes}


E_TICKET = {
    "kind": "e-ticket",
    "reference": "1262400000017",
    "title": "E-ticket Siti Rahayu",
    "fields": {"passenger": "Siti Rahayu", "flight": "GA 410 CGK-DPS", "departure": "2026-12-20T07:30+07:00"},
}
PLN_TOKEN = {
    "kind": "pln-token",
    "reference": "1234-5678-9012-3456-7890",
    "title": "Token PLN 100.000",
    "fields": {"kwh": "66.7", "customer_name": "SITI RAHAYU"},
}


def created(**order_changes: Any) -> dict[str, Any]:
    return {
        "transaction_id": str(uuid.uuid4()),
        "order_id": ORDER_ID,
        "user_id": USER_ID,
        "service_type": "flight",
        "amount": "1250000.00",
        "currency": "IDR",
        "booking_reference": str(uuid.uuid4()),
        "order": order(**order_changes),
    }


def completed(**order_changes: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": "COMPLETED", "supplier_reference": "HJK1EY", "documents": [E_TICKET]}
    return {"order_id": ORDER_ID, "user_id": USER_ID, "order": order(**{**changes, **order_changes})}


def failed(reason: str = "payment expire") -> dict[str, Any]:
    return {
        "transaction_id": str(uuid.uuid4()),
        "order_id": ORDER_ID,
        "user_id": USER_ID,
        "status": "FAILED",
        "reason": reason,
        "order": order(status="CANCELLED", failure_reason=reason),
    }


def refunded(amount: str = "937500.00", refund_id: str | None = None) -> dict[str, Any]:
    return {
        "refund_id": refund_id or str(uuid.uuid4()),
        "transaction_id": str(uuid.uuid4()),
        "order_id": ORDER_ID,
        "payment_id": str(uuid.uuid4()),
        "user_id": USER_ID,
        "amount": amount,
        "currency": "IDR",
        "reason": "schedule change",
        "order": order(status="COMPLETED", supplier_reference="HJK1EY", documents=[E_TICKET]),
    }


def signed(
    topic: str, data: dict[str, Any], secret: str, event_id: uuid.UUID | None = None
) -> tuple[bytes, dict[str, str]]:
    eid = event_id or uuid.uuid4()
    body = json.dumps(
        {"event_id": str(eid), "topic": topic, "occurred_at": "2026-12-04T07:00:00+00:00", "data": data}
    ).encode()
    return body, signing.signed_headers(secret, body, str(eid))


BCA_VA = {
    "method": "bank_transfer",
    "bank": "bca",
    "va_number": "12345678901",
    "expires_at": "2026-12-05T07:00:00+00:00",
}
MANDIRI_BILL = {"method": "echannel", "bank": "mandiri", "biller_code": "70012", "bill_key": "990000000260"}
QRIS = {
    "method": "qris",
    "qr_string": "00020101021226620014COM.GO-JEK.WWW",
    "qr_url": "https://qr.example/q.png",
}


def instructions(payment: dict[str, str] | None = None, payment_id: str | None = None) -> dict[str, Any]:
    return {
        "transaction_id": str(uuid.uuid4()),
        "order_id": ORDER_ID,
        "payment_id": payment_id or str(uuid.uuid4()),
        "user_id": USER_ID,
        "amount": "1250000.00",
        "currency": "IDR",
        "payment_method": "bank_transfer",
        "payment_instructions": payment if payment is not None else BCA_VA,
        "order": order(),
    }
