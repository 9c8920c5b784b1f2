"""The ports the use cases need; adapters implement them, tests/fakes.py fakes them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from domain.models import Attachment, Channel, Kind, Notification, Preferences, Rendered, Status

Clock = Callable[[], datetime]


class EventLog(Protocol):
    async def record(self, event_id: uuid.UUID, topic: str, messages: Sequence[Notification]) -> int | None:
        """Records the event id and queues its messages, all or nothing, in one statement: None
        when the id was recorded before (nothing is queued), else how many messages were queued
        (one whose dedupe key is already queued or sent is not queued twice)."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; nothing is kept unless `commit` is called."""

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    async def next_due(self, now: datetime) -> tuple[Notification | None, bool]:
        """The oldest queued message due now, locked so no other worker sends it meanwhile, and
        whether another one is due beside it (locked by another worker or not)."""
        ...

    async def next_attempt_at(self) -> datetime | None:
        """When the earliest queued message is to be tried (due or not); None: none is queued."""
        ...

    async def save(self, notification: Notification) -> None: ...

    async def purge_finished(self, before: datetime, limit: int) -> int:
        """Deletes up to `limit` sent or failed messages last changed before `before`, skipping
        rows another transaction holds; returns how many went."""
        ...

    async def purge_events(self, before: datetime, limit: int) -> int:
        """Deletes up to `limit` received event ids recorded before `before` (as above)."""
        ...


@dataclass(frozen=True)
class Filters:
    user_id: str | None = None
    status: Status | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    order_number: str | None = None


class NotificationReader(Protocol):
    async def list(self, filters: Filters, limit: int, offset: int) -> tuple[list[Notification], int]: ...

    async def get(self, notification_id: uuid.UUID) -> Notification | None: ...


class PreferenceSource(Protocol):
    async def preferences(self, user_id: str) -> Preferences: ...


class Renderer(Protocol):
    def render(self, kind: Kind, channel: Channel, language: str, context: dict[str, Any]) -> Rendered: ...


class TicketPrinter(Protocol):
    """The PDF of the documents a person shows (e-tickets, vouchers)."""

    def print(self, language: str, context: dict[str, Any]) -> Attachment: ...


class Sender(Protocol):
    """Hands a message to its provider; returns the provider's id for it. Raises
    `domain.errors.DeliveryError` when the provider does not take it."""

    async def send(self, notification: Notification) -> str: ...
