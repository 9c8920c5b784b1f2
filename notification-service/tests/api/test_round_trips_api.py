"""Round trips to PostgreSQL for an order's messages: each costs this service's CPU and the
database's. Counted at the driver (asyncpg: BEGIN, COMMIT, ROLLBACK and statements), on the
events endpoint, the delivery worker and the reads; a change that adds round trips to them has to
say so here. An event's id and its messages go in with one statement (adapters/event_log.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from asyncpg.connection import Connection
from fastapi import FastAPI

from tests import events
from tests.api.test_events_and_reads import deliveries, post_event
from tests.fakes import RecordingSender


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first words of what asyncpg sends, in order."""
    seen: list[str] = []

    def counting(name: str) -> None:
        original: Callable[..., Awaitable[Any]] = getattr(Connection, name)

        async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(" ".join(query.split()[:3]).rstrip(";"))
            return await original(self, query, *args, **kwargs)

        monkeypatch.setattr(Connection, name, counted)

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        counting(name)
    return seen


async def test_each_event_is_one_statement_and_each_delivery_one_transaction_of_two(
    app: FastAPI,
    client: httpx.AsyncClient,
    email: RecordingSender,
    sms: RecordingSender,
    sent: list[str],
) -> None:
    order_id = str(uuid.uuid4())
    for topic, data in (
        ("transaction.created", events.created()),
        ("payment.instructions", events.instructions()),
        ("order.completed", events.completed()),
    ):
        sent.clear()
        answer = await post_event(client, topic, {**data, "order_id": order_id})
        assert answer.json()["outcome"] == "queued", answer.text
        # The event's id and its messages (email and SMS) together, all or nothing.
        assert sent == ["WITH event AS"]
    sent.clear()
    answer = await post_event(client, "payment.confirmed", {**events.completed(), "order_id": order_id})
    assert answer.json()["outcome"] == "nothing-to-send"
    assert sent == ["INSERT INTO received_events"]

    sent.clear()
    assert await deliveries(app).deliver_due() == 5
    # Each message: locked with the news whether another is due, sent, its attempt written. The
    # round ends with the last one, without a last empty question.
    one = ["BEGIN", "SELECT notifications.*, EXISTS", "UPDATE notifications SET", "COMMIT"]
    assert sent == one * 5
    # The order, where to pay and the booking by email; the deadline and where to pay by SMS.
    assert (len(email.sent), len(sms.sent)) == (3, 2)


async def test_the_list_is_two_statements_and_one_message_one_without_a_transaction(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sent: list[str]
) -> None:
    await post_event(client, "transaction.created", events.created())
    sent.clear()
    listed = (await client.get("/notifications/", params={"channel": "email"}, headers=admin_headers)).json()
    assert listed["total"] == 1
    # The count and the page, each on its own: no BEGIN, no ROLLBACK around them.
    assert sent == ["SELECT count(*) FROM", "SELECT notifications.* FROM"]
    sent.clear()
    one = await client.get(f"/notifications/{listed['items'][0]['id']}", headers=admin_headers)
    assert one.status_code == 200
    assert sent == ["SELECT notifications.* FROM"]
