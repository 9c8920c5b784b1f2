"""Round trips to PostgreSQL for a hold and its issue: each costs this service's CPU and the
database's. Counted at the driver (asyncpg: BEGIN, COMMIT, ROLLBACK and statements; not the
once-per-connection prepares); a change that adds round trips to them has to say so here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asyncpg.connection import Connection
from asyncpg.prepared_stmt import PreparedStatement
from fastapi import FastAPI

from testkit.asgi import running_app
from tests.api.test_bookings_api import INTERNAL, hold, hold_body, offer_id, stock
from tests.fakes import FakeSupplier


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first words of what asyncpg sends, in order (BEGIN with or without an isolation
    level)."""
    seen: list[str] = []

    def counting(cls: type[Any], name: str, query: Callable[[Any, tuple[Any, ...]], str]) -> None:
        original: Callable[..., Awaitable[Any]] = getattr(cls, name)

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            words = " ".join(query(self, args).split()[:3]).rstrip(";")
            seen.append("BEGIN" if words.startswith("BEGIN") else words)
            return await original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, counted)

    # The statements go on asyncpg's connection itself; a prepared statement's runs count too.
    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        counting(Connection, name, lambda _, args: str(args[0]))
    for name in ("fetch", "fetchrow", "fetchval", "executemany"):
        counting(PreparedStatement, name, lambda statement, _: statement.get_query())
    return seen


async def test_a_hold_looks_for_its_key_without_a_transaction_and_records_the_booking_in_one(
    app: FastAPI, suppliers: list[FakeSupplier], sent: list[str]
) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        offer = await offer_id(client)
        # A first hold opens the pool's connection (and its once-per-connection questions).
        assert (await hold(client, hold_body(offer))).status_code == 201
        sent.clear()
        held = await hold(client, hold_body(offer))
        assert held.status_code == 201, held.text
        assert sent == [
            "INSERT INTO idempotency_keys",  # the key claimed (a statement of its own)
            "SELECT reference, idempotency_key,",  # a booking this key made before?
            "BEGIN",
            "INSERT INTO bookings",
            "COMMIT",
            "UPDATE idempotency_keys SET",  # the answer recorded
        ]
        sent.clear()
        reference = held.json()["booking_reference"]
        issued = await client.post(f"/internal/bookings/{reference}/issue", headers=INTERNAL)
        assert issued.json()["status"] == "issued"
        # The row locked while the supplier issues, then the tickets written.
        assert sent == [
            "BEGIN",
            "SELECT reference, idempotency_key,",
            "UPDATE bookings SET",
            "COMMIT",
        ]
