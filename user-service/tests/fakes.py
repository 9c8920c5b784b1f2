"""In-memory implementations of the domain's ports, for unit tests and for the API tests'
stand-in of auth-service."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

from domain.errors import AccountCannotBeDeactivated
from domain.models import Account, Profile
from shared.tokens import AccountState


class FakeProfileRepository:
    def __init__(self, rows: dict[UUID, Profile]) -> None:
        self.rows = rows

    async def get(self, user_id: UUID, *, for_update: bool = False) -> Profile | None:
        profile = self.rows.get(user_id)
        return None if profile is None else copy.copy(profile)

    async def add(self, profile: Profile) -> bool:
        if profile.user_id in self.rows:
            return False
        self.rows[profile.user_id] = copy.copy(profile)
        return True

    async def save(self, profile: Profile) -> None:
        self.rows[profile.user_id] = copy.copy(profile)

    async def delete(self, user_id: UUID) -> bool:
        return self.rows.pop(user_id, None) is not None

    async def search(self, query: str | None, *, limit: int, offset: int) -> tuple[list[Profile], int]:
        def matches(p: Profile) -> bool:
            if not query:
                return True
            needle = query.lower()
            return needle in (p.full_name or "").lower() or needle in p.email.lower()

        found = sorted(
            (p for p in self.rows.values() if matches(p)),
            key=lambda p: (-p.created_at.timestamp(), p.user_id),
        )
        return [copy.copy(p) for p in found[offset : offset + limit]], len(found)


class FakeProcessedEvents:
    def __init__(self, seen: dict[UUID, str]) -> None:
        self.seen = seen

    async def record(self, event_id: UUID, topic: str) -> bool:
        if event_id in self.seen:
            return False
        self.seen[event_id] = topic
        return True


class FakeUnitOfWork:
    """Works on copies and publishes them on commit, so an uncommitted change is lost exactly
    as a rolled-back transaction would lose it."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.committed = False

    async def __aenter__(self) -> Self:
        self.profiles = FakeProfileRepository(dict(self._store.profiles))
        self.processed_events = FakeProcessedEvents(dict(self._store.processed_events))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        self._store.profiles = self.profiles.rows
        self._store.processed_events = self.processed_events.seen
        self._store.commits += 1
        self.committed = True


@dataclass
class FakeStore:
    profiles: dict[UUID, Profile] = field(default_factory=dict)
    processed_events: dict[UUID, str] = field(default_factory=dict)
    commits: int = 0

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class FakeAccountDirectory:
    """auth-service's accounts: what `AccountDirectory` returns and, through `states()`, what
    token verification sees, so deactivating an account here revokes its tokens too."""

    def __init__(self) -> None:
        self.accounts: dict[UUID, Account] = {}
        self.versions: dict[UUID, int] = {}
        self.deactivated: list[UUID] = []
        self.unavailable: Exception | None = None
        # Accounts auth-service refuses to deactivate (it does so for the last active admin).
        self.refuse_deactivation: set[UUID] = set()

    def add(self, role: str = "user", *, email: str | None = None, account_id: UUID | None = None) -> Account:
        account_id = account_id or uuid4()
        account = Account(
            id=account_id, email=email or f"{account_id.hex[:12]}@example.com", role=role, is_active=True
        )
        self.accounts[account_id] = account
        self.versions[account_id] = 0
        return account

    async def get(self, account_id: UUID) -> Account | None:
        if self.unavailable is not None:
            raise self.unavailable
        return self.accounts.get(account_id)

    async def deactivate(self, account_id: UUID) -> Account | None:
        if self.unavailable is not None:
            raise self.unavailable
        account = self.accounts.get(account_id)
        if account is None:
            return None
        if account_id in self.refuse_deactivation:
            raise AccountCannotBeDeactivated("the last active admin cannot be deactivated")
        if account.is_active:
            self.accounts[account_id] = replace(account, is_active=False)
            self.versions[account_id] += 1
        self.deactivated.append(account_id)
        return self.accounts[account_id]

    def states(self) -> FakeAccountStates:
        return FakeAccountStates(self)


class FakeAccountStates:
    def __init__(self, directory: FakeAccountDirectory) -> None:
        self._directory = directory

    async def get(self, account_id: str) -> AccountState | None:
        try:
            account = self._directory.accounts.get(UUID(account_id))
        except ValueError:
            return None
        if account is None:
            return None
        return AccountState(
            role=account.role, is_active=account.is_active, token_version=self._directory.versions[account.id]
        )


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2025, 6, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
