"""POST /webhooks/midtrans (Midtrans's HTTP notifications; public: Midtrans cannot send a token)
and POST /webhooks/xendit (Xendit's callbacks, carrying the account's x-callback-token).

The body is read raw, so it can be stored exactly as received and its strings checked exactly as
signed; domain/notifications.py does the rest. Answers 200 {"status": "ok"} once the status is
recorded (or found to be nothing new); the signed event to transaction-service leaves through the
outbox relay, woken by the commit.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from routes.deps import Services
from routes.schemas import WebhookAck
from shared.errors import problem_responses

router = APIRouter(tags=["webhooks"])

EXAMPLE_NOTIFICATION = {
    "transaction_time": "2026-11-27 09:15:02",
    "transaction_status": "settlement",
    "transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a",
    "status_message": "midtrans payment notification",
    "status_code": "200",
    "signature_key": "sha512(order_id + status_code + gross_amount + server_key), hex",
    "settlement_time": "2026-11-27 09:16:40",
    "payment_type": "bank_transfer",
    "order_id": "pay-7f1c2e0a",
    "merchant_id": "G000000000",
    "gross_amount": "1500000.00",
    "fraud_status": "accept",
    "currency": "IDR",
    "va_numbers": [{"bank": "bca", "va_number": "12345678901"}],
}


@router.post(
    "/webhooks/midtrans",
    response_model=WebhookAck,
    summary="Midtrans payment notification",
    responses=problem_responses(400, 401, 404, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True},
                    "example": EXAMPLE_NOTIFICATION,
                }
            },
        }
    },
)
async def midtrans_notification(request: Request, services: Services) -> WebhookAck:
    """Midtrans posts here on every status change. Each body is stored; then the
    `signature_key` is verified (401 if forged), the order must be ours (404), the status is
    fetched from Midtrans (`GET /v2/{order_id}/status`: the notification alone is never
    trusted; 503 when Midtrans cannot be reached, so it retries), both amounts must match the
    charge (422), and the status is applied unless stale, with the event for transaction-service
    written in the same transaction. Duplicates answer 200 and change nothing."""
    await services.notifications.receive(await request.body())
    return WebhookAck()


EXAMPLE_XENDIT_CALLBACK = {
    "id": "65f1c2d9e4b0a1b2c3d4e5f6",
    "external_id": "pay-7f1c2e0a",
    "user_id": "5f0e0b2c8d3e4a0012345678",
    "is_high": False,
    "payment_method": "BANK_TRANSFER",
    "status": "PAID",
    "merchant_name": "TiketQ",
    "amount": 1500000,
    "paid_amount": 1500000,
    "bank_code": "BCA",
    "paid_at": "2026-11-27T02:16:40.912Z",
    "payer_email": "budi@example.co.id",
    "description": "TiketQ payment pay-7f1c2e0a",
    "created": "2026-11-27T02:15:02.102Z",
    "updated": "2026-11-27T02:16:41.003Z",
    "currency": "IDR",
    "payment_channel": "BCA",
    "payment_destination": "880812345678",
}


@router.post(
    "/webhooks/xendit",
    response_model=WebhookAck,
    summary="Xendit invoice or refund callback",
    responses=problem_responses(400, 401, 404, 422, 503),
    openapi_extra={
        "parameters": [
            {
                "name": "x-callback-token",
                "in": "header",
                "required": True,
                "description": "The account's callback verification token, as Xendit sends it.",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True},
                    "example": EXAMPLE_XENDIT_CALLBACK,
                }
            },
        },
    },
)
async def xendit_callback(request: Request, services: Services) -> WebhookAck:
    """Xendit posts here when an invoice is paid or expires (and when a refund ends). Each body
    is recorded; the `x-callback-token` header must be the account's verification token (401
    otherwise, compared in constant time); amounts must be numbers (400); the charge must be a
    Xendit one with this invoice (404); the invoice is fetched from Xendit (`GET
    /v2/invoices/{id}`: the callback alone is never trusted; 503 when Xendit cannot be reached,
    so it retries); its amount and currency must be the charge's (422); the status is applied
    unless stale, with the event for transaction-service written in the same transaction.
    Duplicates answer 200 and change nothing."""
    token = request.headers.get("x-callback-token")
    await services.xendit_callbacks.receive(await request.body(), token)
    return WebhookAck()
