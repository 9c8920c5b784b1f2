"""Receiving the signed events another service's outbox relay posts (docs/architecture.md, events).

The signature is checked over the raw body before anything is parsed; a missing, wrong or stale
one is a 401 that looks the same in every case. The envelope is `OutboxEvent.envelope()`'s
shape; consumers dedupe by its `event_id`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from shared import signing
from shared.errors import ProblemError

logger = logging.getLogger("shared.signed_events")


class EventEnvelope(BaseModel):
    event_id: UUID
    topic: str = Field(max_length=100)
    occurred_at: datetime
    data: dict[str, Any]


def signed_body(secret_attribute: str, source: str) -> Callable[[Request], Awaitable[bytes]]:
    """A dependency giving the raw body once its signature checks out against the secret kept
    in `app.state.<secret_attribute>`; `source` names the sender in the logs."""

    async def dependency(request: Request) -> bytes:
        body = await request.body()
        secret: str = getattr(request.app.state, secret_attribute)
        if not signing.verify(
            secret,
            request.headers.get(signing.TIMESTAMP_HEADER),
            request.headers.get(signing.SIGNATURE_HEADER),
            body,
        ):
            logger.warning("%s refused: bad, missing or stale signature", source)
            raise ProblemError(401, "invalid-signature", "The event signature is missing, wrong or expired.")
        return body

    return dependency


def parse_envelope(body: bytes) -> EventEnvelope:
    """The envelope, or a 422 whose `errors` point into the body."""
    try:
        return EventEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc
