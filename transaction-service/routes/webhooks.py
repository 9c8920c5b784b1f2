"""POST /webhooks/payment: signed events from payment-service's outbox relay.

The signature (HMAC-SHA256 over `timestamp.` + raw body, PAYMENT_WEBHOOK_SECRET) is checked
first: missing, wrong or stale (> 300 s) → 401 `invalid-signature`. Then the event is applied
once by `event_id`, and answered 200 only after our own commit; duplicates and stale or
unknown events are acknowledged with 200 (and change nothing) so the relay stops retrying.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from routes.deps import Money
from routes.schemas import EventAck, EventEnvelope
from shared import signing
from shared.errors import ProblemError, problem_responses

router = APIRouter(tags=["webhooks"])
logger = logging.getLogger("transaction_service.webhooks")


async def signed_body(request: Request) -> bytes:
    body = await request.body()
    secret: str = request.app.state.payment_webhook_secret
    if not signing.verify(
        secret,
        request.headers.get(signing.TIMESTAMP_HEADER),
        request.headers.get(signing.SIGNATURE_HEADER),
        body,
    ):
        logger.warning("payment event refused: bad or stale signature")
        raise ProblemError(401, "invalid-signature", "The event signature is missing, wrong or expired.")
    return body


@router.post(
    "/webhooks/payment",
    response_model=EventAck,
    responses=problem_responses(401, 422),
    summary="Signed payment events from payment-service (public path, HMAC-signed)",
)
async def payment_event(body: Annotated[bytes, Depends(signed_body)], money: Money) -> EventAck:
    """Headers `X-TiketQ-Timestamp`, `X-TiketQ-Signature: v1=<hex>`, `X-TiketQ-Event-Id`; body
    `{event_id, topic: "payment.status_changed", occurred_at, data}`. `outcome` is `applied`,
    `duplicate`, `stale` or `ignored`."""
    try:
        envelope = EventEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc
    outcome = await money.handle_payment_event(envelope.event_id, envelope.topic, envelope.data)
    logger.info(
        "payment event %s",
        outcome,
        extra={"event_id": str(envelope.event_id), "topic": envelope.topic, "outcome": outcome},
    )
    return EventAck(event_id=envelope.event_id, outcome=outcome)
