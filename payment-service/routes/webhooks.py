"""POST /webhooks/midtrans: Midtrans's HTTP notifications (public; Midtrans cannot send a token).

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
