"""Sign-in throttling through the HTTP API: attempts are counted before the password is checked,
per account from one address and per address across accounts, and only a configured proxy may
name the client address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.app_factory import PASSWORD, build_app, new_user, unique_email


@pytest.fixture
async def client(migrated_database_url: str, test_keys: TestKeys) -> AsyncIterator[httpx.AsyncClient]:
    # The production limits: 5 per account and address; the address limit low enough to reach.
    app: FastAPI = build_app(
        migrated_database_url, test_keys.private_pem(), failures_per_email=5, failures_per_ip=12
    )
    async with running_app(app) as client:
        yield client


def from_address(ip: str) -> dict[str, str]:
    # The in-process client's peer is 127.0.0.1, the configured proxy: X-Forwarded-For counts.
    return {"X-Forwarded-For": ip}


async def sign_in(client: httpx.AsyncClient, email: str, password: str, ip: str) -> httpx.Response:
    return await client.post(
        "/auth/login", json={"email": email, "password": password}, headers=from_address(ip)
    )


async def test_thirty_parallel_wrong_passwords_get_five_401_and_the_rest_429(
    client: httpx.AsyncClient,
) -> None:
    user = await new_user(client)

    answers = await asyncio.gather(
        *(sign_in(client, user.email, f"wrong-{n}", "198.51.100.30") for n in range(30))
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 5 + [429] * 25
    throttled = next(a for a in answers if a.status_code == 429)
    assert throttled.headers["content-type"] == "application/problem+json"
    assert throttled.json()["type"].endswith("too-many-login-attempts")
    assert 1 <= int(throttled.headers["retry-after"]) <= 900


async def test_guesses_from_one_address_never_lock_the_owner_out_elsewhere(client: httpx.AsyncClient) -> None:
    admin_like = await new_user(client, "admin")
    for n in range(5):
        assert (await sign_in(client, admin_like.email, f"guess-{n}", "203.0.113.66")).status_code == 401

    # From the attacker's address even the right password waits (it could be a lucky guess)...
    blocked = await sign_in(client, admin_like.email.upper(), PASSWORD, "203.0.113.66")
    assert blocked.status_code == 429
    assert "retry-after" in blocked.headers
    form = await client.post(
        "/auth/login",
        data={"username": admin_like.email, "password": PASSWORD},
        headers=from_address("203.0.113.66"),
    )
    assert form.status_code == 429  # the Swagger form is throttled the same way
    # ...but the owner, from anywhere else, signs in.
    assert (await sign_in(client, admin_like.email, PASSWORD, "198.51.100.7")).status_code == 200


async def test_failures_from_one_address_across_accounts_end_in_429(client: httpx.AsyncClient) -> None:
    user = await new_user(client)
    for _ in range(12):
        assert (
            await sign_in(client, unique_email("guess"), "wrong-password", "192.0.2.77")
        ).status_code == 401

    from_attacker = await sign_in(client, user.email, PASSWORD, "192.0.2.77")
    from_elsewhere = await sign_in(client, user.email, PASSWORD, "192.0.2.78")

    assert from_attacker.status_code == 429
    assert "retry-after" in from_attacker.headers
    assert from_elsewhere.status_code == 200


async def test_customers_signing_in_behind_one_address_never_fill_its_count(
    client: httpx.AsyncClient,
) -> None:
    # Carrier-grade NAT: many more successful sign-ins than the address limit, from one address.
    users = [await new_user(client) for _ in range(14)]
    for user in users:
        assert (await sign_in(client, user.email, PASSWORD, "100.64.10.1")).status_code == 200

    assert (await sign_in(client, users[0].email, "typo", "100.64.10.1")).status_code == 401


async def test_a_successful_sign_in_forgives_the_earlier_mistakes(client: httpx.AsyncClient) -> None:
    user = await new_user(client)
    for _ in range(2):  # eight failures: without forgiveness the sixth would be refused
        for n in range(4):
            assert (await sign_in(client, user.email, f"typo-{n}", "198.18.0.9")).status_code == 401
        assert (await sign_in(client, user.email, PASSWORD, "198.18.0.9")).status_code == 200


async def test_x_forwarded_for_from_a_peer_that_is_not_a_configured_proxy_is_ignored(
    migrated_database_url: str, test_keys: TestKeys
) -> None:
    # Only 10.9.9.9 is a proxy here, so the in-process peer (127.0.0.1) names nobody.
    app = build_app(migrated_database_url, test_keys.private_pem(), trusted_proxies="10.9.9.9")
    async with running_app(app) as client:
        user = await new_user(client)
        for n in range(5):
            # A fresh invented address for every guess does not buy fresh attempts.
            answer = await sign_in(client, user.email, "wrong-password", f"203.0.113.{n}")
            assert answer.status_code == 401
        assert (await sign_in(client, user.email, PASSWORD, "203.0.113.200")).status_code == 429
