"""GET /orders/{id} with the order's ETag: 304 while it holds, and with `Prefer: wait=N` held
until the order changes: a commit in this process wakes it at once, one by another replica is
seen at the next look (about every second)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from app import create_app
from config import OrderSettings
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.api.helpers import book, book_and_pay, deliver, run_jobs, sql
from tests.conftest import People, Person, make_settings
from tests.fakes import Accounts, FakeFlights, FakePayments


async def _read(client: httpx.AsyncClient, person: Person, order_id: str, **headers: str) -> httpx.Response:
    return await client.get(f"/orders/{order_id}", headers={**person.headers, **headers})


async def _etag(client: httpx.AsyncClient, person: Person, order_id: str) -> str:
    response = await _read(client, person, order_id)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def test_an_order_read_carries_an_etag_that_changes_with_the_order(
    client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    first = await _read(client, buyer, order["id"])
    again = await _read(client, buyer, order["id"])
    assert first.headers["etag"] == again.headers["etag"]
    assert first.headers["etag"].startswith('"')
    assert first.headers["etag"].endswith('"')
    assert "preference-applied" not in first.headers

    unchanged = await _read(client, buyer, order["id"], **{"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == first.headers["etag"]
    # A list, a weak form of the same tag, and `*` match too; another tag does not.
    for header in (f'"nope", {first.headers["etag"]}', "W/" + first.headers["etag"], "*"):
        assert (await _read(client, buyer, order["id"], **{"If-None-Match": header})).status_code == 304
    stale = await _read(client, buyer, order["id"], **{"If-None-Match": '"an-older-one"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()


async def test_a_waiting_read_is_answered_as_soon_as_the_order_is_paid_and_again_when_completed(
    app: FastAPI, client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    etag = await _etag(client, buyer, order["id"])

    waiting = asyncio.create_task(
        _read(client, buyer, order["id"], **{"If-None-Match": etag, "Prefer": "wait=5"})
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()  # held: nothing changed yet
    started = time.monotonic()
    await deliver(client, payment["id"], "paid", "settlement")
    paid = await asyncio.wait_for(waiting, timeout=2)
    assert time.monotonic() - started < 0.5  # woken by the commit, not by a look a second later
    assert paid.status_code == 200
    assert paid.json()["status"] == "PAID"
    assert paid.headers["preference-applied"] == "wait=5"

    waiting = asyncio.create_task(
        _read(client, buyer, order["id"], **{"If-None-Match": paid.headers["etag"], "Prefer": "wait=5"})
    )
    await asyncio.sleep(0.2)
    await run_jobs(app)  # the issue job: COMPLETED
    completed = await asyncio.wait_for(waiting, timeout=2)
    assert completed.status_code == 200
    assert completed.json()["status"] == "COMPLETED"
    assert completed.json()["booking"]["documents"]


async def test_a_waiting_read_with_no_change_ends_in_a_304_after_the_seconds_asked_for(
    client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    etag = await _etag(client, buyer, order["id"])
    started = time.monotonic()
    response = await _read(client, buyer, order["id"], **{"If-None-Match": etag, "Prefer": "wait=1"})
    assert 0.9 <= time.monotonic() - started < 3
    assert response.status_code == 304
    assert response.headers["etag"] == etag
    assert response.headers["preference-applied"] == "wait=1"


async def test_a_change_written_by_another_replica_is_seen_at_the_next_look(
    app: FastAPI, client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    etag = await _etag(client, buyer, order["id"])
    waiting = asyncio.create_task(
        _read(client, buyer, order["id"], **{"If-None-Match": etag, "Prefer": "wait=5"})
    )
    await asyncio.sleep(0.2)
    # Written past this process's units of work: no bell rings here.
    await sql(app, "UPDATE orders SET status = 'CANCELLED' WHERE id = :id", id=order["id"])
    changed = await asyncio.wait_for(waiting, timeout=3)
    assert changed.status_code == 200
    assert changed.json()["status"] == "CANCELLED"


async def test_no_wait_is_kept_on_someone_else_s_order(client: httpx.AsyncClient, people: People) -> None:
    owner, other = people.make(), people.make()
    order = await book(client, owner)
    etag = await _etag(client, owner, order["id"])
    started = time.monotonic()
    response = await _read(client, other, order["id"], **{"If-None-Match": etag, "Prefer": "wait=5"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("prefer", "waited"),
    [
        ("wait=0", False),
        ("respond-async, wait=1", True),
        ("wait=1; x=y", True),
        ("wait=soon", False),
        ("wait=-1", False),
        ("handling=lenient", False),
    ],
)
async def test_the_wait_preference_is_read_as_rfc_7240_says_and_ignored_when_malformed(
    client: httpx.AsyncClient, people: People, prefer: str, waited: bool
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    etag = await _etag(client, buyer, order["id"])
    started = time.monotonic()
    response = await _read(client, buyer, order["id"], **{"If-None-Match": etag, "Prefer": prefer})
    assert response.status_code == 304
    assert ("preference-applied" in response.headers) is waited
    assert (time.monotonic() - started >= 0.9) is waited


@pytest.fixture
async def bounded(
    migrated_database_url: str, test_keys: TestKeys, accounts: Accounts
) -> AsyncIterator[httpx.AsyncClient]:
    """At most 1 s of waiting, and one waiting request at a time."""
    settings = dataclasses.replace(
        make_settings(migrated_database_url),
        orders=OrderSettings(ORDER_STATUS_WAIT_MAX_SECONDS=1, ORDER_STATUS_WAITERS_MAX=1),  # type: ignore[call-arg]
    )
    app = create_app(
        settings,
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        workers=False,
    )
    with respx.mock(assert_all_called=False) as router:
        router.route(host="testserver").pass_through()
        FakeFlights().install(router)
        FakePayments().install(router)
        async with running_app(app) as client:
            yield client


async def test_waits_are_bounded_in_length_and_in_number(bounded: httpx.AsyncClient, people: People) -> None:
    buyer = people.make()
    order = await book(bounded, buyer)
    etag = await _etag(bounded, buyer, order["id"])
    conditional: dict[str, Any] = {"If-None-Match": etag, "Prefer": "wait=999999999"}

    first = asyncio.create_task(_read(bounded, buyer, order["id"], **conditional))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    second = await _read(bounded, buyer, order["id"], **conditional)  # the one slot is taken
    assert second.status_code == 304
    assert "preference-applied" not in second.headers
    assert time.monotonic() - started < 0.5

    held = await first
    assert held.status_code == 304
    assert held.headers["preference-applied"] == "wait=1"
