"""Personal data through the gateway: a KTP number is masked for its owner, whole for admins,
findable by admins only as a whole number, and never stored in plain text; account events are
accepted only when signed with their own key, not with the internal token every service holds."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import asyncpg
import httpx

from devstack.stack import Stack
from shared import signing
from testkit.stack_runner import StackRunner
from tests.support import Account, wait_for_profile


async def profile_row_as_text(database_url: str, user_id: str) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow("SELECT * FROM profiles WHERE user_id = $1", uuid.UUID(user_id))
    finally:
        await connection.close()
    assert row is not None
    return " ".join(
        bytes(v).hex() + " " + repr(bytes(v)) if isinstance(v, bytes) else str(v) for v in row.values()
    )


def test_a_ktp_number_is_masked_for_its_owner_whole_for_admins_and_encrypted_at_rest(
    stack: Stack,
    stack_runner: StackRunner,
    gateway: httpx.Client,
    new_account: Callable[[], Account],
    admin: Account,
) -> None:
    siti = new_account()
    wait_for_profile(gateway, siti)
    nik = f"32{uuid.uuid4().int % 10**14:014d}"

    saved = gateway.put(f"/users/{siti.id}", headers=siti.headers, json={"id_number": nik})

    assert saved.status_code == 200, saved.text
    assert saved.json()["id_number"] == "*" * 12 + nik[-4:]
    assert gateway.get("/users/me", headers=siti.headers).json()["id_number"] == "*" * 12 + nik[-4:]
    assert gateway.get(f"/users/{siti.id}", headers=admin.headers).json()["id_number"] == nik
    found = gateway.get("/users/", headers=admin.headers, params={"q": nik}).json()
    assert [item["user_id"] for item in found["items"]] == [siti.id]
    assert gateway.get("/users/", headers=admin.headers, params={"q": nik[:12]}).json()["total"] == 0

    assert stack.database is not None
    at_rest = stack_runner.call(profile_row_as_text(stack.database.url_for("tiketq_user"), siti.id))
    assert nik not in at_rest
    assert nik.encode().hex() not in at_rest


def test_an_account_event_signed_with_the_internal_token_creates_no_profile(
    stack: Stack, gateway: httpx.Client, admin: Account
) -> None:
    assert stack.secrets is not None
    internal_token = stack.secrets.internal_token.read_text().strip()
    account_id, event_id = str(uuid.uuid4()), str(uuid.uuid4())
    body = json.dumps(
        {
            "event_id": event_id,
            "topic": "account.registered",
            "occurred_at": "2026-12-04T08:00:00+00:00",
            "data": {"account_id": account_id, "email": f"forged-{event_id[:8]}@example.com", "role": "user"},
        }
    ).encode()

    with httpx.Client(base_url=stack.url("user"), timeout=10) as user_service:
        forged = user_service.post(
            "/internal/events",
            content=body,
            headers={
                **signing.signed_headers(internal_token, body, event_id),
                "Content-Type": "application/json",
            },
        )

    assert forged.status_code == 401
    assert gateway.get(f"/users/{account_id}", headers=admin.headers).status_code == 404
