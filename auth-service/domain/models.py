"""Accounts, roles and refresh tokens, and the rules that belong to them alone."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import LastAdmin, PasswordPolicyViolation

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
ACCOUNT_REGISTERED = "account.registered"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: we keep them lowercased."""
    return email.strip().lower()


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyViolation(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyViolation(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever calls a use case, as their verified access token says."""

    account_id: uuid.UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(slots=True)
class Account:
    id: uuid.UUID
    email: str
    password_hash: str
    role: Role
    is_active: bool
    token_version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def register(cls, email: str, password_hash: str, role: Role, now: datetime) -> Account:
        return cls(
            id=uuid.uuid4(),
            email=normalize_email(email),
            password_hash=password_hash,
            role=role,
            is_active=True,
            token_version=0,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_active_admin(self) -> bool:
        return self.is_active and self.role is Role.ADMIN

    def revoke_access_tokens(self, now: datetime) -> None:
        """Every access token carries the version it was issued at; a bump makes all of them stale."""
        self.token_version += 1
        self.updated_at = now

    def change_role(self, role: Role, now: datetime) -> bool:
        if role is self.role:
            return False
        self.role = role
        # Tokens state the role; one that says "admin" must not outlive the demotion.
        self.revoke_access_tokens(now)
        return True

    def deactivate(self, now: datetime) -> bool:
        if not self.is_active:
            return False
        self.is_active = False
        self.revoke_access_tokens(now)
        return True

    def activate(self, now: datetime) -> bool:
        if self.is_active:
            return False
        self.is_active = True
        self.updated_at = now
        return True

    def registered_event(self) -> dict[str, object]:
        """The `account.registered` payload user-service creates the profile from."""
        return {
            "account_id": str(self.id),
            "email": self.email,
            "role": self.role.value,
            "registered_at": self.created_at.isoformat(),
        }


def ensure_admin_remains(account: Account, active_admin_ids: Iterable[uuid.UUID]) -> None:
    """Refuses to take admin power (demotion or deactivation) from the last active admin:
    nobody could manage accounts afterwards, and the bootstrap admin is only created once."""
    if account.is_active_admin and not (set(active_admin_ids) - {account.id}):
        raise LastAdmin


def hash_refresh_token(raw: str) -> str:
    """Refresh tokens are stored as SHA-256: 256 random bits need no slow hash, and a database
    leak does not hand out usable tokens."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(slots=True)
class RefreshToken:
    """One link of a rotation chain. All tokens descended from one login share a `family_id`."""

    id: uuid.UUID
    account_id: uuid.UUID
    family_id: uuid.UUID
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls, account_id: uuid.UUID, family_id: uuid.UUID, now: datetime, ttl: timedelta
    ) -> tuple[RefreshToken, str]:
        """A new token and its opaque value; only the hash is kept."""
        raw = secrets.token_urlsafe(32)
        token = cls(
            id=uuid.uuid4(),
            account_id=account_id,
            family_id=family_id,
            token_hash=hash_refresh_token(raw),
            created_at=now,
            expires_at=now + ttl,
        )
        return token, raw

    @property
    def is_spent(self) -> bool:
        return self.used_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


@dataclass(frozen=True, slots=True)
class AccountPage:
    items: list[Account]
    total: int
