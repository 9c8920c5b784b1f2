"""Midtrans bodies in the shapes Midtrans documents (docs.midtrans.com: get-transaction-status,
http-notification, refund-transaction, error-code-and-response-code), for respx and for
notifications we post ourselves."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

SERVER_KEY = "SB-Mid-server-TEST-0123456789abcdef"
SNAP = "https://app.midtrans.test/snap/v1"
CORE = "https://api.midtrans.test"
EVENTS_URL = "https://transaction.test/webhooks/payment"

STATUS_CODES = {
    "pending": "201",
    "settlement": "200",
    "capture": "200",
    "deny": "202",
    "cancel": "200",
    "expire": "407",
    "refund": "200",
    "partial_refund": "200",
    "failure": "202",
}


def signature(order_id: str, status_code: str, gross_amount: str, key: str = SERVER_KEY) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{key}".encode()).hexdigest()


def status_body(
    order_id: str,
    transaction_status: str,
    *,
    gross: str = "150000.00",
    fraud_status: str | None = "accept",
    payment_type: str = "bank_transfer",
    refunds: list[tuple[str, str]] | None = None,
    status_code: str | None = None,
) -> dict[str, Any]:
    code = status_code or STATUS_CODES[transaction_status]
    body: dict[str, Any] = {
        "va_numbers": [{"bank": "bca", "va_number": "12345678901"}],
        "transaction_time": "2026-11-27 09:15:02",
        "transaction_status": transaction_status,
        "transaction_id": str(uuid.uuid5(uuid.NAMESPACE_URL, order_id)),
        "status_message": "Success, transaction is found",
        "status_code": code,
        "signature_key": signature(order_id, code, gross),
        "payment_type": payment_type,
        "order_id": order_id,
        "merchant_id": "G000000000",
        "gross_amount": gross,
        "currency": "IDR",
        "expiry_time": "2026-11-28 09:15:02",
    }
    if fraud_status is not None:
        body["fraud_status"] = fraud_status
    if transaction_status in ("settlement", "refund", "partial_refund"):
        body["settlement_time"] = "2026-11-27 09:16:40"
    if refunds:
        body["refunds"] = [
            {
                "refund_chargeback_id": index + 1,
                "refund_amount": amount,
                "created_at": "2026-11-28 10:00:00",
                "reason": "customer request",
                "refund_key": key,
                "refund_method": "",
                "bank_confirmed_at": None,
            }
            for index, (key, amount) in enumerate(refunds)
        ]
        body["refund_amount"] = f"{sum(float(a) for _, a in refunds):.2f}"
    return body


def notification(order_id: str, transaction_status: str, **kwargs: Any) -> dict[str, Any]:
    """What Midtrans POSTs: the same fields as a status answer, with its own status_message."""
    body = status_body(order_id, transaction_status, **kwargs)
    body["status_message"] = "midtrans payment notification"
    return body


def not_found(order_id: str = "") -> dict[str, Any]:
    """GET status for an order Midtrans does not know, inside an HTTP 200 (or 404)."""
    return {"status_code": "404", "status_message": "Transaction doesn't exist.", "id": str(uuid.uuid4())}


def cannot_modify() -> dict[str, Any]:
    return {
        "status_code": "412",
        "status_message": "Merchant cannot modify the status of the transaction",
        "id": str(uuid.uuid4()),
    }


def snap_created(token: str) -> dict[str, Any]:
    return {"token": token, "redirect_url": f"https://app.midtrans.test/snap/v2/vtweb/{token}"}


def refund_body(
    order_id: str, refund_key: str, amount: str, *, transaction_status: str, gross: str = "150000.00"
) -> dict[str, Any]:
    return {
        "status_code": "200",
        "status_message": "Success, refund request is approved",
        "transaction_id": str(uuid.uuid5(uuid.NAMESPACE_URL, order_id)),
        "order_id": order_id,
        "gross_amount": gross,
        "currency": "IDR",
        "payment_type": "gopay",
        "transaction_time": "2026-11-27 09:15:02",
        "transaction_status": transaction_status,
        "refund_chargeback_id": 1,
        "refund_amount": amount,
        "refund_key": refund_key,
    }
