from __future__ import annotations

from uuid import uuid4

import pytest

from domain.account_events import ACCOUNT_REGISTERED, AccountEventConsumer, EventOutcome
from domain.errors import InvalidEvent
from domain.models import Profile, ProfileChanges
from tests.fakes import FakeStore, FixedClock


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def consumer(store: FakeStore) -> AccountEventConsumer:
    return AccountEventConsumer(store.unit_of_work, FixedClock())


def registered(account_id: str, email: str = "New.User@Example.com") -> dict[str, object]:
    return {"account_id": account_id, "email": email, "role": "user", "registered_at": "2025-06-01T08:00:00Z"}


async def test_a_registered_account_gets_an_empty_profile(
    consumer: AccountEventConsumer, store: FakeStore
) -> None:
    account_id = uuid4()
    outcome = await consumer.handle(uuid4(), ACCOUNT_REGISTERED, registered(str(account_id)))
    assert outcome is EventOutcome.APPLIED
    profile = store.profiles[account_id]
    assert profile.email == "new.user@example.com"
    assert profile.nationality == "ID"


async def test_a_redelivered_event_changes_nothing(consumer: AccountEventConsumer, store: FakeStore) -> None:
    account_id, event_id = uuid4(), uuid4()
    await consumer.handle(event_id, ACCOUNT_REGISTERED, registered(str(account_id)))
    store.profiles[account_id].full_name = "Edited since"
    outcome = await consumer.handle(event_id, ACCOUNT_REGISTERED, registered(str(account_id)))
    assert outcome is EventOutcome.DUPLICATE
    assert store.profiles[account_id].full_name == "Edited since"


async def test_a_profile_an_admin_created_first_is_kept(
    consumer: AccountEventConsumer, store: FakeStore
) -> None:
    account_id = uuid4()
    store.profiles[account_id] = Profile.register(
        account_id, "a@example.com", FixedClock()(), ProfileChanges(full_name="By admin")
    )
    assert (
        await consumer.handle(uuid4(), ACCOUNT_REGISTERED, registered(str(account_id)))
        is EventOutcome.APPLIED
    )
    assert store.profiles[account_id].full_name == "By admin"


async def test_unknown_topics_are_acknowledged_and_ignored(
    consumer: AccountEventConsumer, store: FakeStore
) -> None:
    outcome = await consumer.handle(uuid4(), "account.promoted", {"account_id": str(uuid4())})
    assert outcome is EventOutcome.IGNORED
    assert store.profiles == {}
    assert store.processed_events == {}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"account_id": "not-a-uuid", "email": "a@example.com"},
        {"account_id": str(uuid4()), "email": 42},
        {"account_id": str(uuid4()), "email": "no-at-sign"},
    ],
)
async def test_a_malformed_payload_is_refused_and_not_recorded(
    consumer: AccountEventConsumer, store: FakeStore, data: dict[str, object]
) -> None:
    with pytest.raises(InvalidEvent):
        await consumer.handle(uuid4(), ACCOUNT_REGISTERED, data)
    assert store.processed_events == {}
