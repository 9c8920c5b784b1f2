"""POST /internal/events: signed events from auth-service's outbox relay (not in the public API).

Verify first, over the raw body; then record the event id and act, in one transaction (see
domain/account_events.py). Duplicates and unknown topics are acknowledged with 200 so the
relay stops retrying them.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from routes.deps import AccountEvents
from routes.schemas import EventAck, EventEnvelope
from shared import signing
from shared.errors import ProblemError

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("user_service.events")


async def signed_body(request: Request) -> bytes:
    body = await request.body()
    secret: str = request.app.state.internal_token
    if not signing.verify(
        secret,
        request.headers.get(signing.TIMESTAMP_HEADER),
        request.headers.get(signing.SIGNATURE_HEADER),
        body,
    ):
        # Bad, missing or stale (older than the tolerance) signatures look the same to callers.
        logger.warning("event refused: bad or stale signature")
        raise ProblemError(401, "invalid-signature", "The event signature is missing, wrong or expired.")
    return body


@router.post("/internal/events", include_in_schema=False)
async def receive_event(body: Annotated[bytes, Depends(signed_body)], consumer: AccountEvents) -> EventAck:
    try:
        envelope = EventEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc
    outcome = await consumer.handle(envelope.event_id, envelope.topic, envelope.data)
    logger.info(
        "event %s",
        outcome.value,
        extra={"event_id": str(envelope.event_id), "topic": envelope.topic, "outcome": outcome.value},
    )
    return EventAck(event_id=envelope.event_id, outcome=outcome.value)
