"""Ports: what the use cases need from the outside world. adapters/ implements them for
production, tests/fakes.py in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from domain.models import AccessToken, Account, AccountPage, RefreshToken, Role


class AccountRepository(Protocol):
    async def add(self, account: Account) -> None:
        """Raises EmailAlreadyRegistered when the (lowercased) email is taken."""

    async def get(self, account_id: uuid.UUID, *, for_update: bool = False) -> Account | None: ...

    async def get_by_email(self, email: str) -> Account | None: ...

    async def save(self, account: Account) -> None: ...

    async def lock_active_admins(self) -> list[uuid.UUID]:
        """Ids of the active admins, locked until the transaction ends, so two admins cannot
        demote each other at the same moment and leave nobody in charge."""

    async def search(
        self, *, role: Role | None, email_contains: str | None, limit: int, offset: int
    ) -> AccountPage: ...


class AccountReader(Protocol):
    """One account as it is now, read outside any use case's transaction (the token check and
    the account look-ups that change nothing)."""

    async def get(self, account_id: uuid.UUID) -> Account | None: ...

    async def get_many(self, account_ids: Sequence[uuid.UUID]) -> list[Account]:
        """The accounts of those ids that exist, in no particular order."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        """The token, locked until the transaction ends (two refreshes of one token serialise)."""

    async def mark_used(self, token_id: uuid.UUID, when: datetime) -> None: ...

    async def revoke_family(self, family_id: uuid.UUID, when: datetime) -> None: ...

    async def revoke_all_for_account(self, account_id: uuid.UUID, when: datetime) -> None: ...

    async def purge_expired(self, *, expired_before: datetime, now: datetime) -> int:
        """Deletes the tokens that expired before `expired_before` and whose whole family has
        expired by `now`; the number deleted."""


class EventOutbox(Protocol):
    async def add(self, topic: str, payload: dict[str, object]) -> None:
        """Records an event in the unit of work's transaction; it is sent after commit."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def events(self) -> EventOutbox: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class PasswordHasher(Protocol):
    """Slow, salted hashing. Implementations keep the CPU work off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str) -> bool: ...


class AccessTokenIssuer(Protocol):
    def issue(self, account: Account, now: datetime) -> AccessToken: ...


class LoginThrottle(Protocol):
    """Counts sign-in attempts per account from one client address, and per client address.

    An attempt counts as a failure from `begin`, before the password is checked, so that parallel
    guesses cannot all pass the check before any is counted; `succeeded` and `release` give it
    back."""

    async def begin(self, email: str, client_ip: str | None) -> int | None:
        """Counts the attempt, atomically. Seconds until another attempt is allowed when a limit
        is reached (then nothing is counted), or None when this attempt may go on."""

    async def succeeded(self, email: str, client_ip: str | None) -> None:
        """The password was right: the account's failures from this address are forgiven."""

    async def release(self, email: str, client_ip: str | None) -> None:
        """The attempt ended without an answer about the password (an outage): not a failure."""


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""
