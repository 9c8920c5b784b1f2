"""What notification-service keeps: one row per message it owes a customer, with its delivery
state. A message is `queued` until the provider takes it (`sent`) or we give up (`failed`);
every attempt's answer is kept in `provider_response`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Status(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Kind(StrEnum):
    """What the message tells: the order's payment instructions, the issued booking, a failure,
    a refund; and the short SMS ones."""

    ORDER_CREATED = "order-created"
    PAYMENT_INSTRUCTIONS = "payment-instructions"  # email and SMS: where to pay, once chosen
    BOOKING_CONFIRMED = "booking-confirmed"
    ORDER_FAILED = "order-failed"
    REFUNDED = "refunded"
    PAYMENT_DEADLINE_SMS = "payment-deadline"
    PLN_TOKEN_SMS = "pln-token"  # noqa: S105 - a message kind, not a secret
    REFUND_SMS = "refund"


LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
# The zones a profile may choose (WIB, WITA, WIT); times are in WIB unless it says otherwise.
TIME_ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
DEFAULT_TIME_ZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Preferences:
    """What the customer chose in their profile. Transactional email cannot be switched off;
    SMS can. Indonesian unless they chose English; times in WIB unless their zone says otherwise."""

    language: str = DEFAULT_LANGUAGE
    sms_enabled: bool = True
    time_zone: str = DEFAULT_TIME_ZONE


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Rendered:
    """A message as the customer will see it."""

    subject: str | None  # email only
    text: str
    html: str | None = None  # email only
    attachments: tuple[Attachment, ...] = ()


@dataclass
class Notification:
    id: uuid.UUID
    # One message per fact and channel: `order:<id>:booking-confirmed:email`. A redelivered or
    # repeated event maps to the same key and is not queued twice.
    dedupe_key: str
    event_id: uuid.UUID
    user_id: str | None
    order_id: str | None
    order_number: str | None
    channel: Channel
    kind: Kind
    recipient: str
    language: str
    subject: str | None
    body_text: str
    body_html: str | None
    attachments: tuple[Attachment, ...]
    status: Status
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    provider_message_id: str | None = None
    provider_response: str | None = None
    history: list[str] = field(default_factory=list)
