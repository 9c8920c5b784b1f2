"""POST /internal/events: signed events from auth-service's outbox relay (not in the public API).

Verify first, over the raw body; then record the event id and act, in one transaction (see
domain/account_events.py). Duplicates and unknown topics are acknowledged with 200 so the
relay stops retrying them.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from routes.deps import AccountEvents
from routes.schemas import EventAck
from shared.signed_events import parse_envelope, signed_body

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("user_service.events")

# Signed with ACCOUNT_EVENTS_SECRET, which only auth-service and this service hold.
SignedBody = Annotated[bytes, Depends(signed_body("account_events_secret", "account event"))]


@router.post("/internal/events", include_in_schema=False)
async def receive_event(body: SignedBody, consumer: AccountEvents) -> EventAck:
    envelope = parse_envelope(body)
    outcome = await consumer.handle(envelope.event_id, envelope.topic, envelope.data)
    logger.info(
        "event %s",
        outcome.value,
        extra={"event_id": str(envelope.event_id), "topic": envelope.topic, "outcome": outcome.value},
    )
    return EventAck(event_id=envelope.event_id, outcome=outcome.value)
