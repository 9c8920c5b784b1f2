"""payment.status_changed reaches transaction-service: signed, once, and after a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import outbox
from app import create_app
from shared import signing
from shared.settings import to_asyncpg_url
from testkit.asgi import running_app
from testkit.postgres import alembic
from tests.api.support import create_charge, mock_status, notify
from tests.conftest import WEBHOOK_SECRET, make_settings
from tests.midtrans_payloads import EVENTS_URL, notification, status_body


@pytest.fixture
def events_database_url(make_database: Callable[[str], str], service_dir: Path) -> str:
    """Its own database: the relay sends every due row, and no other test's rows belong here."""
    url = make_database("payment_events")
    alembic(service_dir, url, "upgrade", "head")
    return url


async def undelivered(database_url: str) -> int:
    engine = create_async_engine(to_asyncpg_url(database_url))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.id).where(outbox.c.delivered_at.is_(None)))).all()
        return len(rows)
    finally:
        await engine.dispose()


async def test_an_event_written_before_a_restart_is_delivered_signed_after_it(
    events_database_url: str, midtrans: respx.MockRouter
) -> None:
    receiver = midtrans.post(EVENTS_URL).respond(200, json={"status": "ok"})
    # 1. The relay is off (as if the process died right after the commit).
    before = create_app(make_settings(events_database_url, relay_enabled=False))
    async with running_app(before) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        assert (await notify(client, notification(order_id, "settlement"))).status_code == 200
    assert receiver.call_count == 0
    assert await undelivered(events_database_url) == 1

    # 2. A new process with the relay on delivers what the rows hold.
    after = create_app(make_settings(events_database_url, relay_enabled=True))
    async with running_app(after):
        for _ in range(100):
            if receiver.call_count:
                break
            await asyncio.sleep(0.05)
    assert receiver.call_count == 1
    request = receiver.calls.last.request
    assert signing.verify(
        WEBHOOK_SECRET,
        request.headers[signing.TIMESTAMP_HEADER],
        request.headers[signing.SIGNATURE_HEADER],
        request.content,
    )
    envelope = json.loads(request.content)
    assert envelope["topic"] == "payment.status_changed"
    assert request.headers[signing.EVENT_ID_HEADER] == envelope["event_id"]
    assert envelope["data"]["order_id"] == order_id
    assert envelope["data"]["status"] == "paid"
    assert await undelivered(events_database_url) == 0


async def test_a_live_relay_sends_right_after_the_commit_and_retries_a_refusal(
    events_database_url: str, midtrans: respx.MockRouter
) -> None:
    receiver = midtrans.post(EVENTS_URL).mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json={"status": "ok"})]
    )
    app = create_app(make_settings(events_database_url, relay_enabled=True))
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        assert (await notify(client, notification(order_id, "settlement"))).status_code == 200
        # Until the relay has also marked the acknowledged row delivered (a moment after the
        # receiver answered): stopping the app earlier would cancel that write.
        for _ in range(200):
            if receiver.call_count >= 2 and await undelivered(events_database_url) == 0:
                break
            await asyncio.sleep(0.05)
    assert receiver.call_count == 2
    first, second = (json.loads(call.request.content) for call in receiver.calls)
    assert first["event_id"] == second["event_id"]  # the same event, retried
    assert await undelivered(events_database_url) == 0
