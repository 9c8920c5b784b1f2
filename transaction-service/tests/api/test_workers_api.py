"""With the workers on (as in production): a paid event wakes the work queue, which issues the
booking without anyone driving the relays."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import respx
from fastapi import FastAPI

from app import create_app
from shared.outbox import add_event_on_connection
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.api.helpers import book_and_pay, deliver, get
from tests.conftest import People, make_settings
from tests.fakes import Accounts, FakeFlights, FakePayments


async def test_workers_issue_the_booking_after_the_paid_event(
    migrated_database_url: str, test_keys: TestKeys, accounts: Accounts, people: People
) -> None:
    settings = make_settings(migrated_database_url)
    app: FastAPI = create_app(
        settings,
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        workers=True,
    )
    flights, payments = FakeFlights(), FakePayments()
    buyer = people.make()
    with respx.mock(assert_all_called=False) as router:
        router.route(host="testserver").pass_through()
        flights.install(router)
        payments.install(router)
        async with running_app(app) as client:
            order, payment = await book_and_pay(client, buyer)
            await deliver(client, payment["id"], "paid", "settlement")
            status = ""
            for _ in range(100):
                status = (await get(client, buyer, f"/orders/{order['id']}"))["status"]
                if status == "COMPLETED":
                    break
                await asyncio.sleep(0.05)
            assert status == "COMPLETED"


async def test_the_outbox_retention_purges_both_tables_on_the_pool_at_start(
    migrated_database_url: str, test_keys: TestKeys, accounts: Accounts
) -> None:
    """Delivered events and finished jobs older than OUTBOX_RETENTION_DAYS go at start-up; what
    is still to deliver, or was delivered lately, stays."""
    topic = f"retention-{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(migrated_database_url)
    try:
        kept: dict[str, set[uuid.UUID]] = {}
        for table in ("outbox", "work_queue"):
            old, recent, due = [
                (await add_event_on_connection(connection, table, topic, {})).id for _ in range(3)
            ]
            for event_id, age in ((old, timedelta(days=31)), (recent, timedelta(days=1))):
                delivered = f"UPDATE {table} SET delivered_at = now() - $2::interval WHERE id = $1"
                await connection.execute(delivered, event_id, age)
            kept[table] = {recent, due}
        app = create_app(
            make_settings(migrated_database_url),
            key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
            account_states=accounts,
            workers=True,
        )
        left: dict[str, set[uuid.UUID]] = {}
        with respx.mock(assert_all_called=False) as router:
            router.route(host="testserver").pass_through()
            async with running_app(app):
                for _ in range(200):  # the purge runs as the app starts
                    for table in ("outbox", "work_queue"):
                        ids = f"SELECT id FROM {table} WHERE topic = $1"
                        left[table] = {row["id"] for row in await connection.fetch(ids, topic)}
                    if left == kept:
                        break
                    await asyncio.sleep(0.05)
        assert left == kept
    finally:
        await connection.close()
