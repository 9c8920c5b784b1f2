"""In-memory stand-ins for what lies outside notification-service: the SMTP server and SMS gateway
(senders that record, or fail on demand), the profiles, the account states, a clock, and the
unit of work for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType

from domain.errors import DeliveryError
from domain.models import Notification, Preferences, Status
from shared.tokens import AccountState


class Clock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 4, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class RecordingSender:
    """Takes every message, or refuses while `down` (transiently) or `refuse` (for good)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.down = False
        self.refuse = False

    async def send(self, notification: Notification) -> str:
        if self.refuse:
            raise DeliveryError("550 5.1.1 mailbox unavailable", permanent=True)
        if self.down:
            raise DeliveryError("421 4.3.2 service not available")
        self.sent.append(notification)
        return f"provider-{len(self.sent)}"


class Profiles:
    def __init__(self) -> None:
        self.by_user: dict[str, Preferences] = {}
        self.broken = False

    async def preferences(self, user_id: str) -> Preferences:
        if self.broken:
            raise ConnectionError("user-service down")
        return self.by_user.get(user_id, Preferences())


class Accounts:
    def __init__(self) -> None:
        self.states: dict[str, AccountState] = {}

    async def get(self, account_id: str) -> AccountState | None:
        return self.states.get(account_id)


class MemoryStore:
    def __init__(self) -> None:
        self.events: set[uuid.UUID] = set()
        self.messages: dict[uuid.UUID, Notification] = {}


class MemoryEventLog:
    """The event log port in memory: the id and the messages go in together, or not at all."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def record(self, event_id: uuid.UUID, topic: str, messages: Sequence[Notification]) -> int | None:
        if event_id in self._store.events:
            return None
        self._store.events.add(event_id)
        queued = 0
        for message in messages:
            if message.dedupe_key not in {n.dedupe_key for n in self._store.messages.values()}:
                self._store.messages[message.id] = message
                queued += 1
        return queued


class MemoryUnitOfWork:
    """The unit-of-work port in memory: changes are staged and kept only on commit."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._messages: dict[uuid.UUID, Notification] = {}

    async def __aenter__(self) -> MemoryUnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._messages.clear()

    async def commit(self) -> None:
        self._store.messages.update(self._messages)
        self._messages.clear()

    async def next_due(self, now: datetime) -> tuple[Notification | None, bool]:
        due = [
            n for n in self._store.messages.values() if n.status is Status.QUEUED and n.next_attempt_at <= now
        ]
        if not due:
            return None, False
        return min(due, key=lambda n: (n.next_attempt_at, n.created_at)), len(due) > 1

    async def next_attempt_at(self) -> datetime | None:
        queued = [n.next_attempt_at for n in self._store.messages.values() if n.status is Status.QUEUED]
        return min(queued, default=None)

    async def save(self, notification: Notification) -> None:
        self._messages[notification.id] = notification

    async def purge_finished(self, before: datetime, limit: int) -> int:
        old = [
            n.id
            for n in self._store.messages.values()
            if n.status is not Status.QUEUED and n.updated_at < before
        ][:limit]
        for message_id in old:
            del self._store.messages[message_id]
        return len(old)

    async def purge_events(self, before: datetime, limit: int) -> int:
        # The memory store keeps no receipt times; unit tests of retention use messages.
        return 0
