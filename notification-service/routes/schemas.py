"""Request and response shapes of notification-service's HTTP API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from domain.models import Channel, Kind, Notification, Status


class EventAck(BaseModel):
    event_id: uuid.UUID
    outcome: str
    queued: int


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class NotificationOut(BaseModel):
    id: uuid.UUID
    user_id: str | None
    order_id: str | None
    order_number: str | None
    channel: Channel
    kind: Kind
    recipient: str
    language: str
    subject: str | None = Field(description="Email only.")
    body_text: str
    attachments: list[str] = Field(description="File names of the attachments (the e-ticket PDF).")
    status: Status = Field(description="queued (not yet taken by the provider), sent, failed (gave up).")
    attempts: int
    next_attempt_at: str | None = Field(description="When a queued message is tried next (UTC).")
    sent_at: str | None
    provider_message_id: str | None
    provider_response: str | None = Field(description="The provider's last answer.")
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(
            id=n.id,
            user_id=n.user_id,
            order_id=n.order_id,
            order_number=n.order_number,
            channel=n.channel,
            kind=n.kind,
            recipient=n.recipient,
            language=n.language,
            subject=n.subject,
            body_text=n.body_text,
            attachments=[a.filename for a in n.attachments],
            status=n.status,
            attempts=n.attempts,
            next_attempt_at=_utc(n.next_attempt_at) if n.status is Status.QUEUED else None,
            sent_at=_utc(n.sent_at),
            provider_message_id=n.provider_message_id,
            provider_response=n.provider_response,
            created_at=_utc(n.created_at) or "",
            updated_at=_utc(n.updated_at) or "",
        )


class NotificationList(BaseModel):
    items: list[NotificationOut]
    total: int
    limit: int
    offset: int
