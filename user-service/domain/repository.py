"""Ports: what the domain needs from the outside world. Adapters implement them; tests/fakes.py
implements them in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.models import Account, MessagePreferences, Profile


class ProfileRepository(Protocol):
    async def get(self, user_id: UUID, *, for_update: bool = False) -> Profile | None:
        """`for_update` locks the row until the unit of work ends (read-modify-write)."""
        ...

    async def add(self, profile: Profile) -> bool:
        """Inserts unless the account already has a profile; True when inserted."""
        ...

    async def save(self, profile: Profile) -> None: ...

    async def delete(self, user_id: UUID) -> bool:
        """True when a profile was deleted."""
        ...

    async def search(self, query: str | None, *, limit: int, offset: int) -> tuple[list[Profile], int]:
        """Newest first; `query` matches full name or email, case-insensitively. Returns the page
        and the total number of matches."""
        ...


class ProcessedEvents(Protocol):
    async def record(self, event_id: UUID, topic: str) -> bool:
        """Remembers an event; False when it was already recorded (a redelivery)."""
        ...


class UnitOfWork(Protocol):
    """One database transaction: rolled back on exit unless `commit()` was called."""

    @property
    def profiles(self) -> ProfileRepository: ...

    @property
    def processed_events(self) -> ProcessedEvents: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]


class MessagePreferencesReader(Protocol):
    async def read(self, user_id: UUID) -> MessagePreferences | None:
        """A profile's message preferences as last committed, read on their own (no unit of
        work: nothing is changed, and the identity number is neither read nor opened)."""
        ...


class AccountDirectory(Protocol):
    """auth-service, as far as profiles are concerned."""

    async def get(self, account_id: UUID) -> Account | None:
        """The account, or None when auth-service knows no such account."""
        ...

    async def deactivate(self, account_id: UUID) -> Account | None:
        """Deactivates the account so its tokens stop working (idempotent); None when unknown.
        Raises AccountCannotBeDeactivated when auth-service refuses (the last active admin)."""
        ...
