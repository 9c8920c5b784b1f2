"""POST /internal/events as auth-service's outbox relay calls it: signed, possibly repeated,
possibly about topics user-service does not care about."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from shared import signing
from shared.outbox import OutboxEvent, SignedWebhookDelivery
from tests.conftest import ACCOUNT_EVENTS_SECRET, INTERNAL_TOKEN, People, registered_event, signed_event
from tests.fakes import FakeAccountDirectory


async def profile_exists(client: httpx.AsyncClient, people: People, account_id: str) -> bool:
    admin = people.account_only("admin")
    response = await client.get(f"/users/{account_id}", headers=admin.headers)
    return response.status_code == 200


async def test_a_signed_account_registered_event_creates_the_profile(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    account = directory.add(email="New@Example.com")
    body, headers = registered_event(account)
    response = await client.post("/internal/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"event_id": headers[signing.EVENT_ID_HEADER], "outcome": "applied"}
    assert await profile_exists(client, people, str(account.id))


async def test_events_sent_by_the_shared_outbox_delivery_are_accepted_again_and_again(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    account = directory.add()
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "account_id": str(account.id),
        "email": account.email,
        "role": "user",
        "registered_at": now.isoformat(),
    }
    event = OutboxEvent(uuid.uuid4(), "account.registered", payload, now)
    deliver = SignedWebhookDelivery(client, "/internal/events", ACCOUNT_EVENTS_SECRET)
    await deliver(event)  # raises unless 2xx
    await deliver(event)  # the relay's redelivery, after a lost acknowledgement
    assert await profile_exists(client, people, str(account.id))


async def test_a_replayed_event_is_acknowledged_and_changes_nothing(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    siti = await people.register()
    await client.put(f"/users/{siti.id}", headers=siti.headers, json={"full_name": "Siti Rahayu"})
    body, headers = registered_event(siti.account)
    first = await client.post("/internal/events", content=body, headers=headers)
    replay = await client.post("/internal/events", content=body, headers=headers)
    assert first.json()["outcome"] == "applied"  # a new event id: the profile already existed
    assert replay.status_code == 200
    assert replay.json()["outcome"] == "duplicate"
    assert (await client.get("/users/me", headers=siti.headers)).json()["full_name"] == "Siti Rahayu"


async def test_the_same_event_posted_concurrently_creates_one_profile(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    account = directory.add()
    body, headers = registered_event(account)
    responses = await asyncio.gather(
        *(client.post("/internal/events", content=body, headers=headers) for _ in range(3))
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert sorted(r.json()["outcome"] for r in responses) == ["applied", "duplicate", "duplicate"]
    admin = people.account_only("admin")
    listed = await client.get("/users/", headers=admin.headers, params={"q": account.email})
    assert listed.json()["total"] == 1


async def test_unknown_topics_are_acknowledged_and_ignored(client: httpx.AsyncClient) -> None:
    body, headers = signed_event("account.role_changed", {"account_id": str(uuid.uuid4())})
    response = await client.post("/internal/events", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"


async def test_a_wrong_signature_is_401_and_creates_nothing(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    account = directory.add()
    body, headers = registered_event(account, secret="another-secret-that-is-long-enough-000")
    response = await client.post("/internal/events", content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert not await profile_exists(client, people, str(account.id))


async def test_a_body_changed_after_signing_is_401(
    client: httpx.AsyncClient, directory: FakeAccountDirectory
) -> None:
    body, headers = registered_event(directory.add())
    tampered = json.loads(body)
    tampered["data"]["email"] = "attacker@example.com"
    response = await client.post("/internal/events", content=json.dumps(tampered).encode(), headers=headers)
    assert response.status_code == 401


async def test_a_stale_signature_is_401(client: httpx.AsyncClient, directory: FakeAccountDirectory) -> None:
    ten_minutes_ago = time.time() - 600
    body, headers = registered_event(directory.add(), now=ten_minutes_ago)
    response = await client.post("/internal/events", content=body, headers=headers)
    assert response.status_code == 401


async def test_a_missing_signature_is_401(client: httpx.AsyncClient, directory: FakeAccountDirectory) -> None:
    body, _ = registered_event(directory.add())
    response = await client.post(
        "/internal/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


async def test_a_signed_but_malformed_event_is_a_422_problem(client: httpx.AsyncClient) -> None:
    for body in (b"{not json", b'{"event_id": "x", "topic": "account.registered"}'):
        headers = signing.signed_headers(ACCOUNT_EVENTS_SECRET, body, str(uuid.uuid4()))
        response = await client.post("/internal/events", content=body, headers=headers)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_signed_account_registered_event_with_a_bad_payload_is_422(client: httpx.AsyncClient) -> None:
    body, headers = signed_event("account.registered", {"account_id": "nope", "email": "a@example.com"})
    response = await client.post("/internal/events", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-event")


async def test_the_events_route_is_not_in_the_public_api(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/internal")]


async def test_an_event_signed_with_the_internal_token_is_refused(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    # Every service holds INTERNAL_TOKEN; only auth-service holds the account events' key.
    account = directory.add()
    body, headers = registered_event(account, secret=INTERNAL_TOKEN)
    response = await client.post("/internal/events", content=body, headers=headers)
    assert response.status_code == 401
    assert not await profile_exists(client, people, str(account.id))
