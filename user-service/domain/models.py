"""The profile of a TiketQ account and the people who act on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Final, TypeVar
from uuid import UUID

from domain.profile_fields import (
    DEFAULT_LANGUAGE,
    DEFAULT_NATIONALITY,
    DEFAULT_TIME_ZONE,
    check_date_of_birth,
    mask_id_number,
    parse_address,
    parse_email,
    parse_full_name,
    parse_id_number,
    parse_language,
    parse_nationality,
    parse_phone,
    parse_time_zone,
)

T = TypeVar("T")


class Unset(Enum):
    """Marks a field a partial update leaves alone (None means "clear it")."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class Actor:
    """Whoever makes the request: the account behind a verified token."""

    account_id: UUID
    is_admin: bool

    def may_see(self, user_id: UUID) -> bool:
        # A person sees their own profile; admins see everyone's.
        return self.is_admin or self.account_id == user_id


@dataclass(frozen=True)
class Account:
    """An account as auth-service reports it."""

    id: UUID
    email: str
    role: str
    is_active: bool


@dataclass(frozen=True)
class ProfileChanges:
    """The fields a person may set on a profile. Email, id and timestamps are not among them."""

    full_name: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    date_of_birth: date | Unset | None = UNSET
    nationality: str | Unset = UNSET
    id_number: str | Unset | None = UNSET
    address: str | Unset | None = UNSET
    # How TiketQ writes to the person: the language, and whether they want SMS too (email about
    # their orders cannot be switched off).
    language: str | Unset = UNSET
    sms_notifications: bool | Unset = UNSET
    time_zone: str | Unset = UNSET  # the zone times in our messages are written in


@dataclass(frozen=True)
class MessagePreferences:
    """How to write to a person: what notification-service asks for every order event."""

    user_id: UUID
    language: str
    sms_notifications: bool
    time_zone: str


@dataclass
class Profile:
    user_id: UUID
    email: str
    created_at: datetime
    updated_at: datetime
    full_name: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None
    nationality: str = DEFAULT_NATIONALITY
    id_number: str | None = None
    address: str | None = None
    language: str = DEFAULT_LANGUAGE
    sms_notifications: bool = True
    time_zone: str = DEFAULT_TIME_ZONE

    @classmethod
    def register(
        cls, user_id: UUID, email: str, now: datetime, details: ProfileChanges | None = None
    ) -> Profile:
        profile = cls(user_id=user_id, email=parse_email(email), created_at=now, updated_at=now)
        profile._apply(details or ProfileChanges(), today=now.date())
        return profile

    def message_preferences(self) -> MessagePreferences:
        return MessagePreferences(self.user_id, self.language, self.sms_notifications, self.time_zone)

    def update(self, changes: ProfileChanges, now: datetime) -> bool:
        """Applies a partial update; True when something changed (then updated_at moves)."""
        changed = self._apply(changes, today=now.date())
        if changed:
            self.updated_at = now
        return changed

    def id_number_for(self, viewer: Actor) -> str | None:
        """Admins see the full KTP or passport number; everyone else, the owner included, sees
        only its last four characters (the number is a common fraud target)."""
        if self.id_number is None or viewer.is_admin:
            return self.id_number
        return mask_id_number(self.id_number)

    def _apply(self, changes: ProfileChanges, today: date) -> bool:
        # Every value goes through its rule here, whoever validated it before: the entity
        # never holds a value the rules reject.
        new = _Fields(
            full_name=_optional(changes.full_name, self.full_name, parse_full_name),
            phone=_optional(changes.phone, self.phone, parse_phone),
            date_of_birth=_optional(
                changes.date_of_birth, self.date_of_birth, lambda born: check_date_of_birth(born, today)
            ),
            nationality=self.nationality
            if changes.nationality is UNSET
            else parse_nationality(changes.nationality),
            id_number=_optional(changes.id_number, self.id_number, parse_id_number),
            address=_optional(changes.address, self.address, parse_address),
            language=self.language if changes.language is UNSET else parse_language(changes.language),
            sms_notifications=self.sms_notifications
            if changes.sms_notifications is UNSET
            else bool(changes.sms_notifications),
            time_zone=self.time_zone if changes.time_zone is UNSET else parse_time_zone(changes.time_zone),
        )
        old = _Fields(
            self.full_name,
            self.phone,
            self.date_of_birth,
            self.nationality,
            self.id_number,
            self.address,
            self.language,
            self.sms_notifications,
            self.time_zone,
        )
        if new == old:
            return False
        self.full_name = new.full_name
        self.phone = new.phone
        self.date_of_birth = new.date_of_birth
        self.nationality = new.nationality
        self.id_number = new.id_number
        self.address = new.address
        self.language = new.language
        self.sms_notifications = new.sms_notifications
        self.time_zone = new.time_zone
        return True


@dataclass(frozen=True)
class _Fields:
    full_name: str | None
    phone: str | None
    date_of_birth: date | None
    nationality: str
    id_number: str | None
    address: str | None
    language: str
    sms_notifications: bool
    time_zone: str


def _optional(change: T | Unset | None, current: T | None, parse: Callable[[T], T]) -> T | None:
    """UNSET keeps the current value, None clears it, anything else goes through its rule."""
    if change is UNSET:
        return current
    if change is None:
        return None
    return parse(change)


@dataclass(frozen=True)
class ProfilePage:
    items: list[Profile] = field(default_factory=list)
    total: int = 0
