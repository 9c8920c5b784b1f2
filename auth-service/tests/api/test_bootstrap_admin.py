"""The first admin comes from configuration at start-up: once, idempotently, race-safe."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.tables import accounts, outbox
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.app_factory import ADMIN_PASSWORD, PASSWORD, build_app, login, unique_email


async def stored(db: AsyncEngine, email: str) -> tuple[list[str], list[dict[str, object]]]:
    async with db.connect() as conn:
        roles = (await conn.execute(select(accounts.c.role).where(accounts.c.email == email))).scalars().all()
        events = (
            (
                await conn.execute(
                    select(outbox.c.payload).where(outbox.c.payload["email"].as_string() == email)
                )
            )
            .scalars()
            .all()
        )
    return list(roles), list(events)


async def test_bootstrap_admin_is_created_once_across_restarts_with_one_event(
    migrated_database_url: str, test_keys: TestKeys, db: AsyncEngine
) -> None:
    email = unique_email("root")
    for _ in range(2):
        app = build_app(migrated_database_url, test_keys.private_pem(), admin_email=email.upper())
        async with running_app(app) as client:
            assert (await login(client, email, ADMIN_PASSWORD)).status_code == 200

    roles, events = await stored(db, email)
    assert roles == ["admin"]
    assert len(events) == 1
    assert events[0]["role"] == "admin"


async def test_several_processes_starting_at_once_create_one_admin(
    migrated_database_url: str, test_keys: TestKeys, db: AsyncEngine
) -> None:
    email = unique_email("root")
    apps = [build_app(migrated_database_url, test_keys.private_pem(), admin_email=email) for _ in range(4)]

    async with contextlib.AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(running_app(app)) for app in apps))

    roles, events = await stored(db, email)
    assert roles == ["admin"]
    assert len(events) == 1


async def test_an_existing_account_with_that_email_is_left_alone(
    migrated_database_url: str, test_keys: TestKeys, db: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    email = unique_email("taken")
    async with running_app(build_app(migrated_database_url, test_keys.private_pem())) as client:
        await client.post("/auth/register", json={"email": email, "password": PASSWORD})

    app = build_app(migrated_database_url, test_keys.private_pem(), admin_email=email)
    async with running_app(app) as client:
        assert (await login(client, email, PASSWORD)).status_code == 200
        assert (await login(client, email, ADMIN_PASSWORD)).status_code == 401

    assert (await stored(db, email))[0] == ["user"]
    # The service log (stdout) says why no admin was made.
    assert "without the admin role" in capsys.readouterr().out
