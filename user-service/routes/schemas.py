"""Request and response bodies of the public API, and their conversions to and from the domain.

Field rules live in `domain.profile_fields`; the validators here only call them, so a bad value
is a 422 naming the field, with the rule's message.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain import profile_fields as rules
from domain.models import Actor, Profile, ProfileChanges

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CHANGEABLE = (
    "full_name",
    "phone",
    "date_of_birth",
    "nationality",
    "id_number",
    "address",
    "language",
    "sms_notifications",
    "time_zone",
)


class ProfileUpdate(BaseModel):
    """A partial update: omitted fields stay as they are; null clears a field (not nationality).
    Anything else, such as email, role or user_id, is refused."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"full_name": "Siti Rahayu", "phone": "0812-3456-7890"}]},
    )

    full_name: str | None = Field(default=None, max_length=rules.FULL_NAME_MAX)
    phone: str | None = Field(
        default=None, max_length=32, description="Indonesian unless it has a country code; stored E.164."
    )
    date_of_birth: date | None = Field(
        default=None, description=f"YYYY-MM-DD; not in the future; age at most {rules.MAX_AGE_YEARS}."
    )
    # Omitted means unchanged; null is refused (a profile always has a nationality).
    nationality: str = Field(  # type: ignore[assignment]
        default=None,
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2 country code.",
    )
    id_number: str | None = Field(
        default=None,
        max_length=16,
        description="KTP number (16 digits) or passport number (6-9 letters and digits).",
    )
    address: str | None = Field(default=None, max_length=rules.ADDRESS_MAX)
    # Omitted means unchanged; null is refused (a profile always has both).
    language: Literal["id", "en"] = Field(
        default=None,  # type: ignore[arg-type]
        description="The language of our email and SMS: id (Bahasa Indonesia) or en.",
    )
    sms_notifications: bool = Field(  # type: ignore[assignment]
        default=None,
        description="SMS about orders (payment deadline, PLN token, refund). Email cannot be switched off.",
    )
    # Omitted means unchanged; null is refused (times are always written in some zone).
    time_zone: Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"] = Field(
        default=None,  # type: ignore[arg-type]
        description="The zone of the times in our email and SMS: Asia/Jakarta (WIB, the default), "
        "Asia/Makassar (WITA) or Asia/Jayapura (WIT).",
    )

    @field_validator("full_name")
    @classmethod
    def _full_name(cls, value: str | None) -> str | None:
        return None if value is None else rules.parse_full_name(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else rules.parse_phone(value)

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def _date_of_birth_written_as_a_date(cls, value: object) -> object:
        # Pydantic would also take a Unix timestamp or a datetime; a birth date is only ever a day.
        if value is not None and not (isinstance(value, str) and _ISO_DATE.match(value)):
            raise ValueError("date_of_birth must be a date written YYYY-MM-DD")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _date_of_birth(cls, value: date | None) -> date | None:
        # The use case checks again against its own clock; this gives the early, per-field error.
        return None if value is None else rules.check_date_of_birth(value, datetime.now(UTC).date())

    @field_validator("nationality")
    @classmethod
    def _nationality(cls, value: str) -> str:
        return rules.parse_nationality(value)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None) -> str | None:
        return None if value is None else rules.parse_id_number(value)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else rules.parse_address(value)

    def changes(self) -> ProfileChanges:
        sent: dict[str, Any] = {
            name: getattr(self, name) for name in _CHANGEABLE if name in self.model_fields_set
        }
        return ProfileChanges(**sent)


class ProfileCreate(ProfileUpdate):
    """An admin creates the profile of an existing account; its email comes from auth-service."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"user_id": "0b6f8a52-4c1e-4d4b-9f0e-6c1f2a3b4c5d", "full_name": "Siti Rahayu"}]
        },
    )

    user_id: UUID = Field(description="The account id from auth-service.")


class ProfileOut(BaseModel):
    user_id: UUID
    email: str
    full_name: str | None
    phone: str | None = Field(description="E.164, e.g. +6281234567890.")
    date_of_birth: date | None
    nationality: str
    id_number: str | None = Field(description="Shown in full to admins only, e.g. ************3456.")
    address: str | None
    language: str = Field(description="id or en: the language of our email and SMS.")
    sms_notifications: bool
    time_zone: str = Field(description="Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT).")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, profile: Profile, viewer: Actor) -> ProfileOut:
        return cls(
            user_id=profile.user_id,
            email=profile.email,
            full_name=profile.full_name,
            phone=profile.phone,
            date_of_birth=profile.date_of_birth,
            nationality=profile.nationality,
            id_number=profile.id_number_for(viewer),
            address=profile.address,
            language=profile.language,
            sms_notifications=profile.sms_notifications,
            time_zone=profile.time_zone,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
        )


class EventAck(BaseModel):
    event_id: UUID
    outcome: Literal["applied", "duplicate", "ignored"]


class MessagePreferencesOut(BaseModel):
    """How to write to a person (for notification-service)."""

    user_id: UUID
    language: str
    sms_notifications: bool
    time_zone: str
