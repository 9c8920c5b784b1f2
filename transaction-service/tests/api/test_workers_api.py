"""With the workers on (as in production): a paid event wakes the work queue, which issues the
booking without anyone driving the relays."""

from __future__ import annotations

import asyncio

import respx
from fastapi import FastAPI

from app import create_app
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
