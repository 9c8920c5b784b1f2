"""POST /webhooks/payment: signed events from payment-service's outbox relay.

The signature (HMAC-SHA256 over `timestamp.` + raw body, PAYMENT_WEBHOOK_SECRET) is checked
first: missing, wrong or stale (> 300 s) → 401 `invalid-signature`. Then the event is applied
once by `event_id`, and answered 200 only after our own commit; duplicates and stale or
unknown events are acknowledged with 200 (and change nothing) so the relay stops retrying.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from routes.deps import Money
from routes.schemas import EventAck
from shared.errors import problem_responses
from shared.signed_events import parse_envelope, signed_body

router = APIRouter(tags=["webhooks"])
logger = logging.getLogger("transaction_service.webhooks")

SignedBody = Annotated[bytes, Depends(signed_body("payment_webhook_secret", "payment event"))]


@router.post(
    "/webhooks/payment",
    response_model=EventAck,
    responses=problem_responses(401, 422),
    summary="Signed payment events from payment-service (public path, HMAC-signed)",
)
async def payment_event(body: SignedBody, money: Money) -> EventAck:
    """Headers `X-TiketQ-Timestamp`, `X-TiketQ-Signature: v1=<hex>`, `X-TiketQ-Event-Id`; body
    `{event_id, topic: "payment.status_changed", occurred_at, data}`. `outcome` is `applied`,
    `duplicate`, `stale` or `ignored`."""
    envelope = parse_envelope(body)
    outcome = await money.payment_events.handle(envelope.event_id, envelope.topic, envelope.data)
    logger.info(
        "payment event %s",
        outcome,
        extra={"event_id": str(envelope.event_id), "topic": envelope.topic, "outcome": outcome},
    )
    return EventAck(event_id=envelope.event_id, outcome=outcome)
