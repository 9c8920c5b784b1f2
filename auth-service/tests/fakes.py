"""In-memory implementations of the domain ports, for unit tests of the use cases.

The fake unit of work copies state on enter and publishes it only on commit, so a use case that
forgets to commit loses its changes here exactly as it would against Postgres.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from domain.errors import EmailAlreadyRegistered
from domain.models import AccessToken, Account, AccountPage, RefreshToken, Role


@dataclass
class Store:
    accounts: dict[uuid.UUID, Account] = field(default_factory=dict)
    refresh_tokens: dict[uuid.UUID, RefreshToken] = field(default_factory=dict)
    events: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    commits: int = 0


class FakeAccounts:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, account: Account) -> None:
        if any(a.email == account.email for a in self._store.accounts.values()):
            raise EmailAlreadyRegistered
        self._store.accounts[account.id] = copy.copy(account)

    async def get(self, account_id: uuid.UUID, *, for_update: bool = False) -> Account | None:
        found = self._store.accounts.get(account_id)
        return copy.copy(found) if found else None

    async def get_many(self, account_ids: Sequence[uuid.UUID]) -> list[Account]:
        return [copy.copy(self._store.accounts[i]) for i in account_ids if i in self._store.accounts]

    async def get_by_email(self, email: str) -> Account | None:
        for account in self._store.accounts.values():
            if account.email == email:
                return copy.copy(account)
        return None

    async def save(self, account: Account) -> None:
        self._store.accounts[account.id] = copy.copy(account)

    async def lock_active_admins(self) -> list[uuid.UUID]:
        return [a.id for a in self._store.accounts.values() if a.is_active_admin]

    async def search(
        self, *, role: Role | None, email_contains: str | None, limit: int, offset: int
    ) -> AccountPage:
        found = [
            a
            for a in sorted(self._store.accounts.values(), key=lambda a: (a.created_at, a.id))
            if (role is None or a.role is role) and (not email_contains or email_contains in a.email)
        ]
        return AccountPage(items=[copy.copy(a) for a in found[offset : offset + limit]], total=len(found))


class FakeRefreshTokens:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, token: RefreshToken) -> None:
        self._store.refresh_tokens[token.id] = copy.copy(token)

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        for token in self._store.refresh_tokens.values():
            if token.token_hash == token_hash:
                return copy.copy(token)
        return None

    async def mark_used(self, token_id: uuid.UUID, when: datetime) -> None:
        self._store.refresh_tokens[token_id].used_at = when

    async def revoke_family(self, family_id: uuid.UUID, when: datetime) -> None:
        for token in self._store.refresh_tokens.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = when

    async def revoke_all_for_account(self, account_id: uuid.UUID, when: datetime) -> None:
        for token in self._store.refresh_tokens.values():
            if token.account_id == account_id and token.revoked_at is None:
                token.revoked_at = when

    async def purge_expired(self, *, expired_before: datetime, now: datetime) -> int:
        live_families = {t.family_id for t in self._store.refresh_tokens.values() if t.expires_at >= now}
        doomed = [
            t.id
            for t in self._store.refresh_tokens.values()
            if t.expires_at < expired_before and t.family_id not in live_families
        ]
        for token_id in doomed:
            del self._store.refresh_tokens[token_id]
        return len(doomed)


class FakeEvents:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, topic: str, payload: dict[str, object]) -> None:
        self._store.events.append((topic, payload))


class FakeUnitOfWork:
    def __init__(self, committed: Store) -> None:
        self._committed = committed

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._committed)
        self.accounts = FakeAccounts(self._working)
        self.refresh_tokens = FakeRefreshTokens(self._working)
        self.events = FakeEvents(self._working)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        self._working.commits = self._committed.commits + 1
        self._committed.__dict__.update(copy.deepcopy(self._working).__dict__)


class FakeHasher:
    """Reversible on purpose: unit tests check rules, not cryptography."""

    def __init__(self) -> None:
        self.verifications = 0
        self.hashes = 0

    async def hash(self, password: str) -> str:
        self.hashes += 1
        return "hashed:" + password

    async def verify(self, password: str, password_hash: str) -> bool:
        self.verifications += 1
        return password_hash == "hashed:" + password


class FakeIssuer:
    def issue(self, account: Account, now: datetime) -> AccessToken:
        return AccessToken(f"access:{account.id}:{account.role}:v{account.token_version}", 900)


class FakeThrottle:
    """Counts attempts per email the way the port promises: before the password is checked."""

    def __init__(self, max_failures: int = 3) -> None:
        self.max_failures = max_failures
        self.failures: dict[str, int] = {}
        self.released = 0

    async def begin(self, email: str, client_ip: str | None) -> int | None:
        if self.failures.get(email, 0) >= self.max_failures:
            return 60
        self.failures[email] = self.failures.get(email, 0) + 1
        return None

    async def succeeded(self, email: str, client_ip: str | None) -> None:
        self.failures.pop(email, None)

    async def release(self, email: str, client_ip: str | None) -> None:
        self.released += 1
        self.failures[email] -= 1


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
