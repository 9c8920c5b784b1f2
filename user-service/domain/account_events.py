"""Events from auth-service that user-service acts on.

Delivery is at least once (the outbox relay retries until we answer 2xx), so the event id is
recorded in the same transaction as the profile it creates: a redelivered or concurrently
delivered event changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from domain.errors import InvalidEvent, InvalidProfileData
from domain.models import Profile
from domain.repository import Clock, UnitOfWorkFactory

ACCOUNT_REGISTERED = "account.registered"


class EventOutcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True)
class AccountRegistered:
    """Payload of "account.registered": {"account_id", "email", "role", "registered_at"}.
    Only the id and the email matter to a profile."""

    account_id: UUID
    email: str

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> AccountRegistered:
        account_id, email = data.get("account_id"), data.get("email")
        if not isinstance(account_id, str) or not isinstance(email, str):
            raise InvalidEvent("account.registered needs string fields account_id and email")
        try:
            return cls(account_id=UUID(account_id), email=email)
        except ValueError as exc:
            raise InvalidEvent("account.registered has an account_id that is not a UUID") from exc


class AccountEventConsumer:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def handle(self, event_id: UUID, topic: str, data: Mapping[str, object]) -> EventOutcome:
        if topic != ACCOUNT_REGISTERED:
            # Topics we do not know are acknowledged, so the sender stops retrying them.
            return EventOutcome.IGNORED
        event = AccountRegistered.from_data(data)
        try:
            profile = Profile.register(event.account_id, event.email, self._clock())
        except InvalidProfileData as exc:
            raise InvalidEvent(f"account.registered: {exc}") from exc
        async with self._uow() as uow:
            if not await uow.processed_events.record(event_id, topic):
                return EventOutcome.DUPLICATE
            # An admin may have created the profile already (POST /users/); theirs stays.
            await uow.profiles.add(profile)
            await uow.commit()
        return EventOutcome.APPLIED
