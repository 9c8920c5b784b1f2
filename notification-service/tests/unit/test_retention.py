"""The retention settings and job on in-memory ports: defaults, refused values, and what goes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from pydantic import ValidationError

from config import RetentionSettings
from domain.models import Channel, Kind, Notification, Status
from domain.retention import PurgeOldRecords, RetentionPolicy
from tests.fakes import Clock, MemoryStore, MemoryUnitOfWork


def test_messages_and_event_ids_are_kept_ninety_days_by_default_and_ids_at_least_a_week() -> None:
    defaults = RetentionSettings()
    assert (defaults.messages_days, defaults.events_days, defaults.batch_size) == (90, 90, 500)
    with pytest.raises(ValidationError, match="NOTIFICATION_EVENT_RETENTION_DAYS"):
        RetentionSettings(NOTIFICATION_EVENT_RETENTION_DAYS=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="NOTIFICATION_RETENTION_DAYS"):
        RetentionSettings(NOTIFICATION_RETENTION_DAYS=0)  # type: ignore[call-arg]


def message(status: Status, age: timedelta, clock: Clock) -> Notification:
    at = clock() - age
    return Notification(
        id=uuid.uuid4(),
        dedupe_key=f"order:{uuid.uuid4()}:order-created:email",
        event_id=uuid.uuid4(),
        user_id="u1",
        order_id="o1",
        order_number="TQ-1",
        channel=Channel.EMAIL,
        kind=Kind.ORDER_CREATED,
        recipient="siti@example.co.id",
        language="id",
        subject="s",
        body_text="t",
        body_html=None,
        attachments=(),
        status=status,
        attempts=1,
        next_attempt_at=at,
        created_at=at,
        updated_at=at,
    )


async def test_only_finished_messages_past_the_retention_go_in_batches() -> None:
    clock, store = Clock(), MemoryStore()
    old = timedelta(days=91)
    keep = [message(Status.QUEUED, old, clock), message(Status.SENT, timedelta(days=89), clock)]
    gone = [message(Status.SENT, old, clock) for _ in range(5)] + [message(Status.FAILED, old, clock)]
    store.messages = {m.id: m for m in (*keep, *gone)}
    purge = PurgeOldRecords(lambda: MemoryUnitOfWork(store), clock, RetentionPolicy(batch_size=2))
    assert (await purge.purge_once()).messages == 6
    assert set(store.messages) == {m.id for m in keep}
