"""Xendit bodies in the shapes Xendit documents (developers.xendit.co: create-invoice,
get-invoice-by-id, expire-invoice, invoice callback, create-refund, refund callback, errors as
{error_code, message}), for respx and for callbacks we post ourselves."""

from __future__ import annotations

import uuid
from typing import Any

XENDIT = "https://api.xendit.test"
SECRET_KEY = "xnd_development_TEST0123456789abcdef"
CALLBACK_TOKEN = "test-xendit-callback-token-0123456789"
USER_ID = "5f0e0b2c8d3e4a0012345678"


def new_invoice_id() -> str:
    return uuid.uuid4().hex[:24]


def invoice(
    invoice_id: str,
    external_id: str,
    status: str = "PENDING",
    *,
    amount: int | str = 150000,
    currency: str = "IDR",
    method: str = "BANK_TRANSFER",
    channel: str = "BCA",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": invoice_id,
        "external_id": external_id,
        "user_id": USER_ID,
        "status": status,
        "merchant_name": "TiketQ",
        "merchant_profile_picture_url": "https://xnd-companies.s3.amazonaws.com/prod/tiketq.png",
        "amount": amount,
        "payer_email": "budi@example.co.id",
        "description": f"TiketQ payment {external_id}",
        "expiry_date": "2026-11-27T03:15:02.102Z",
        "invoice_url": f"https://checkout-staging.xendit.co/web/{invoice_id}",
        "available_banks": [
            {
                "bank_code": "BCA",
                "collection_type": "POOL",
                "transfer_amount": amount,
                "bank_branch": "Virtual Account",
                "account_holder_name": "TIKETQ",
                "identity_amount": 0,
            }
        ],
        "available_ewallets": [{"ewallet_type": "OVO"}, {"ewallet_type": "DANA"}],
        "available_qr_codes": [{"qr_code_type": "QRIS"}],
        "should_exclude_credit_card": False,
        "should_send_email": False,
        "created": "2026-11-27T02:15:02.102Z",
        "updated": "2026-11-27T02:15:02.102Z",
        "currency": currency,
    }
    if status in ("PAID", "SETTLED"):
        body.update(
            payment_method=method,
            payment_channel=channel,
            paid_amount=amount,
            paid_at="2026-11-27T02:16:40.912Z",
            bank_code=channel if method == "BANK_TRANSFER" else None,
            payment_destination="880812345678",
        )
    body.update(extra)
    return body


def callback(invoice_id: str, external_id: str, status: str = "PAID", **extra: Any) -> dict[str, Any]:
    """What Xendit posts to the invoice callback URL: the invoice, less its page details."""
    body = invoice(invoice_id, external_id, status, **extra)
    for key in ("invoice_url", "available_banks", "available_ewallets", "available_qr_codes", "expiry_date"):
        body.pop(key, None)
    body["is_high"] = False
    return body


def refund(
    refund_id: str, invoice_id: str, amount: int, status: str = "PENDING", order_id: str = "pay-1"
) -> dict[str, Any]:
    return {
        "id": refund_id,
        "payment_request_id": f"pr-{invoice_id}",
        "invoice_id": invoice_id,
        "amount": amount,
        "payment_id": f"py-{invoice_id}",
        "channel_code": "BCA",
        "currency": "IDR",
        "status": status,
        "reason": "CANCELLATION",
        "reference_id": refund_id,
        "failure_code": None,
        "refund_fee_amount": None,
        "created": "2026-11-28T01:00:00.000Z",
        "updated": "2026-11-28T01:00:00.000Z",
        "metadata": {"order_id": order_id, "note": "customer cancelled"},
    }


def refund_callback(
    refund_id: str, invoice_id: str, amount: int, status: str, order_id: str
) -> dict[str, Any]:
    event = "refund.succeeded" if status == "SUCCEEDED" else "refund.failed"
    return {
        "event": event,
        "business_id": USER_ID,
        "created": "2026-11-28T01:00:05.000Z",
        "data": refund(refund_id, invoice_id, amount, status, order_id),
    }


def error(code: str, message: str) -> dict[str, str]:
    return {"error_code": code, "message": message}


INVOICE_NOT_FOUND = error("INVOICE_NOT_FOUND_ERROR", "Could not find invoice")
