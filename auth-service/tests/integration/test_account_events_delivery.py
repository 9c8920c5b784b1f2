"""account.registered reaches user-service: signed, at least once, retried after a failure, and
sent right after the commit when the relay runs in the background."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import outbox
from shared import signing
from shared.settings import to_asyncpg_url
from testkit.asgi import running_app
from testkit.keys import TestKeys
from testkit.postgres import alembic
from tests.app_factory import ACCOUNT_EVENTS_SECRET, PASSWORD, USER_SERVICE_URL, build_app, unique_email

EVENTS_URL = f"{USER_SERVICE_URL}/internal/events"


@pytest.fixture(scope="module")
def events_database_url(make_database: Callable[[str], str], service_dir: Path) -> str:
    """Its own database: the relay sends every due row, and no other test's rows belong here."""
    url = make_database("auth_events")
    alembic(service_dir, url, "upgrade", "head")
    return url


async def outbox_row(database_url: str, account_id: str) -> dict[str, object]:
    engine = create_async_engine(to_asyncpg_url(database_url))
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(outbox).where(outbox.c.payload["account_id"].as_string() == account_id)
                )
            ).one()
        return dict(row._mapping)
    finally:
        await engine.dispose()


async def make_due_now(database_url: str, event_id: object) -> None:
    engine = create_async_engine(to_asyncpg_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(outbox).where(outbox.c.id == event_id).values(next_attempt_at=outbox.c.created_at)
            )
    finally:
        await engine.dispose()


async def test_the_relay_delivers_account_registered_signed_for_user_service(
    events_database_url: str, test_keys: TestKeys
) -> None:
    app = build_app(events_database_url, test_keys.private_pem())
    email = unique_email()
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(EVENTS_URL).respond(200, json={"status": "ok"})
        async with running_app(app) as client:
            created = (
                await client.post("/auth/register", json={"email": email, "password": PASSWORD})
            ).json()
            assert route.call_count == 0  # nothing leaves before the relay runs

            assert await app.state.outbox_relay.deliver_due() == 1
            assert await app.state.outbox_relay.deliver_due() == 0  # delivered once, not again

    request = route.calls.last.request
    body = request.content
    # Signed with the account events' own key: INTERNAL_TOKEN, which every service holds, would
    # let any of them announce accounts.
    assert signing.verify(
        ACCOUNT_EVENTS_SECRET,
        request.headers[signing.TIMESTAMP_HEADER],
        request.headers[signing.SIGNATURE_HEADER],
        body,
    )
    envelope = json.loads(body)
    assert envelope["topic"] == "account.registered"
    assert request.headers[signing.EVENT_ID_HEADER] == envelope["event_id"]
    assert envelope["data"] == {
        "account_id": created["id"],
        "email": email,
        "role": "user",
        "registered_at": envelope["data"]["registered_at"],
    }
    assert envelope["data"]["registered_at"].endswith("+00:00")
    row = await outbox_row(events_database_url, created["id"])
    assert row["delivered_at"] is not None


async def test_a_failed_delivery_is_retried_with_the_same_event_id(
    events_database_url: str, test_keys: TestKeys
) -> None:
    app = build_app(events_database_url, test_keys.private_pem())
    with respx.mock() as mock:
        route = mock.post(EVENTS_URL).mock(side_effect=[httpx.Response(500), httpx.Response(200)])
        async with running_app(app) as client:
            created = (
                await client.post("/auth/register", json={"email": unique_email(), "password": PASSWORD})
            ).json()
            relay = app.state.outbox_relay

            assert await relay.deliver_due() == 0
            failed = await outbox_row(events_database_url, created["id"])
            assert failed["attempts"] == 1
            assert "500" in str(failed["last_error"])
            assert failed["delivered_at"] is None
            assert await relay.deliver_due() == 0  # backing off: not due yet
            assert route.call_count == 1

            await make_due_now(events_database_url, failed["id"])
            assert await relay.deliver_due() == 1

    first, second = route.calls
    assert first.request.headers[signing.EVENT_ID_HEADER] == second.request.headers[signing.EVENT_ID_HEADER]
    assert (await outbox_row(events_database_url, created["id"]))["delivered_at"] is not None


async def test_the_background_relay_sends_right_after_the_commit(
    events_database_url: str, test_keys: TestKeys
) -> None:
    # A 30 s poll: only the wake-up after the commit can deliver within the deadline below.
    app = build_app(events_database_url, test_keys.private_pem(), relay_enabled=True, poll_interval=30.0)
    arrived = asyncio.Event()

    def user_service(_: httpx.Request) -> httpx.Response:
        arrived.set()
        return httpx.Response(200)

    with respx.mock() as mock:
        route = mock.post(EVENTS_URL).mock(side_effect=user_service)
        async with running_app(app) as client:
            await client.post("/auth/register", json={"email": unique_email(), "password": PASSWORD})
            await asyncio.wait_for(arrived.wait(), timeout=5)
    # Leaving the block stopped the relay task cleanly (no error, nothing left running).
    assert route.call_count == 1
