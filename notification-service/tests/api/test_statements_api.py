"""What an order's events and their deliveries send to PostgreSQL: compiling a statement costs more
CPU than running it, so a second order runs only statements compiled for the first, and an
event's messages (email and SMS) go in with one INSERT."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from tests import events
from tests.api.test_events_and_reads import deliveries, post_event
from tests.fakes import RecordingSender


async def _one_order(app: FastAPI, client: httpx.AsyncClient) -> None:
    order_id = str(uuid.uuid4())
    for topic, data in (
        ("transaction.created", events.created()),
        ("payment.instructions", events.instructions()),
        ("order.completed", events.completed()),
    ):
        answer = await post_event(client, topic, {**data, "order_id": order_id})
        assert answer.json()["outcome"] == "queued", answer.text
    assert await deliveries(app).deliver_due() == 5


async def test_a_second_order_runs_only_statements_compiled_before_and_one_insert_per_event(
    app: FastAPI, client: httpx.AsyncClient, email: RecordingSender, sms: RecordingSender
) -> None:
    await _one_order(app, client)
    uncached: list[str] = []
    inserts: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if context.compiled is not None and context.cache_hit != context.dialect.CACHE_HIT:
            uncached.append(statement)
        if statement.startswith("INSERT INTO notifications"):
            inserts.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        await _one_order(app, client)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert uncached == [], uncached
    assert len(inserts) == 3  # one per event, its email and SMS together
    # Each order: the order, where to pay and the booking by email; the deadline and where to pay by SMS.
    assert (len(email.sent), len(sms.sent)) == (6, 4)
