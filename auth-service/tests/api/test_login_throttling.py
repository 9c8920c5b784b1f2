"""Repeated failed sign-ins are refused with 429 and Retry-After, per email and per address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.app_factory import PASSWORD, build_app, new_user, unique_email


@pytest.fixture
async def strict_client(migrated_database_url: str, test_keys: TestKeys) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = build_app(
        migrated_database_url, test_keys.private_pem(), failures_per_email=3, failures_per_ip=5
    )
    async with running_app(app) as client:
        yield client


def from_address(ip: str) -> dict[str, str]:
    # The in-process client's peer is 127.0.0.1, i.e. a trusted proxy: X-Forwarded-For counts.
    return {"X-Forwarded-For": f"{ip}, 10.0.0.2"}


async def test_failures_per_email_end_in_429_with_retry_after_even_for_the_right_password(
    strict_client: httpx.AsyncClient,
) -> None:
    user = await new_user(strict_client)
    for attempt in range(3):
        wrong = await strict_client.post(
            "/auth/login",
            json={"email": user.email, "password": "wrong-password"},
            headers=from_address(f"198.51.100.{attempt}"),
        )
        assert wrong.status_code == 401

    blocked = await strict_client.post(
        "/auth/login",
        json={"email": user.email.upper(), "password": PASSWORD},
        headers=from_address("203.0.113.9"),
    )

    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    # The Swagger form is throttled the same way.
    form = await strict_client.post("/auth/login", data={"username": user.email, "password": PASSWORD})
    assert form.status_code == 429


async def test_failures_from_one_address_across_emails_end_in_429(strict_client: httpx.AsyncClient) -> None:
    user = await new_user(strict_client)
    for _ in range(5):
        response = await strict_client.post(
            "/auth/login",
            json={"email": unique_email("guess"), "password": "wrong-password"},
            headers=from_address("192.0.2.77"),
        )
        assert response.status_code == 401

    from_attacker = await strict_client.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD}, headers=from_address("192.0.2.77")
    )
    from_elsewhere = await strict_client.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD}, headers=from_address("192.0.2.78")
    )

    assert from_attacker.status_code == 429
    assert "retry-after" in from_attacker.headers
    assert from_elsewhere.status_code == 200


async def test_a_successful_login_clears_the_emails_failures(strict_client: httpx.AsyncClient) -> None:
    user = await new_user(strict_client)
    for round_ in range(2):
        for attempt in range(2):
            response = await strict_client.post(
                "/auth/login",
                json={"email": user.email, "password": "wrong-password"},
                headers=from_address(f"198.18.{round_}.{attempt}"),
            )
            assert response.status_code == 401
        ok = await strict_client.post(
            "/auth/login",
            json={"email": user.email, "password": PASSWORD},
            headers=from_address("198.18.9.9"),
        )
        assert ok.status_code == 200
