"""POST /internal/events: transaction-service's events, signed with ORDER_EVENTS_SECRET by its outbox
relay (not in the public API). The signature is checked over the raw body first; then the event
id is recorded and its messages queued in one transaction (domain/receive_event.py). Duplicates
and topics that owe nothing are acknowledged with 200, so the relay stops retrying them."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends

from routes.deps import Receiver
from routes.schemas import EventAck
from shared.signed_events import parse_envelope, signed_body

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("notification.events")

SignedBody = Annotated[bytes, Depends(signed_body("order_events_secret", "order event"))]


@router.post("/internal/events", include_in_schema=False)
async def receive_event(body: SignedBody, receiver: Receiver) -> EventAck:
    envelope = parse_envelope(body)
    outcome, queued = await receiver.handle(envelope.event_id, envelope.topic, envelope.data)
    logger.info(
        "event %s %s",
        envelope.topic,
        outcome.value,
        extra={"event_id": str(envelope.event_id), "topic": envelope.topic, "queued": queued},
    )
    return EventAck(event_id=envelope.event_id, outcome=outcome.value, queued=queued)
