"""The User rows of RBAC_DOCUMENTATION.md, end to end through the app in-process with a real
PostgreSQL (auth-service replaced by an in-memory directory; tokens signed by test keys):

    | User | POST /users/        | USER ❌  | ADMIN ✅ |
    | User | GET /users/{id}     | USER ✅* | ADMIN ✅ |   * own only: another's is 404
    | User | PUT /users/{id}     | USER ✅* | ADMIN ✅ |
    | User | DELETE /users/{id}  | USER ❌  | ADMIN ✅ |
    | User | GET /users/         | USER ❌  | ADMIN ✅ |

Run with `pytest` from this folder (it is in pytest.ini's testpaths) or `python test_user_service.py`.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.fakes import FakeAccountDirectory

    from testkit.keys import TestKeys

# Imports of the service and of `shared` happen inside the fixtures: run as a script, this file
# is executed before pytest has put the service folder and the repository root on sys.path.

ANONYMOUS, OWN, ANOTHERS, ADMIN = "anonymous", "user (own)", "user (another's)", "admin"

# route: expected status for anonymous, a user on their own profile, a user on another's, an admin
RBAC: dict[str, dict[str, int]] = {
    "POST /users/": {ANONYMOUS: 401, OWN: 403, ANOTHERS: 403, ADMIN: 201},
    "GET /users/{id}": {ANONYMOUS: 401, OWN: 200, ANOTHERS: 404, ADMIN: 200},
    "PUT /users/{id}": {ANONYMOUS: 401, OWN: 200, ANOTHERS: 404, ADMIN: 200},
    "DELETE /users/{id}": {ANONYMOUS: 401, OWN: 403, ANOTHERS: 403, ADMIN: 204},
    "GET /users/": {ANONYMOUS: 401, OWN: 403, ANOTHERS: 403, ADMIN: 200},
}
CASES = [(route, who, status) for route, row in RBAC.items() for who, status in row.items()]


@dataclass
class World:
    """An admin, a user, another user (all with profiles), and an account with no profile yet."""

    client: httpx.AsyncClient
    directory: FakeAccountDirectory
    tokens: dict[str, str]
    ids: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {} if who == ANONYMOUS else {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
async def world(migrated_database_url: str, test_keys: TestKeys) -> AsyncIterator[World]:
    from tests.fakes import FakeAccountDirectory

    from app import create_app
    from shared import signing
    from shared.tokens import StaticKeySource
    from testkit.asgi import running_app
    from tests.conftest import ACCOUNT_EVENTS_SECRET, make_settings

    directory = FakeAccountDirectory()
    settings = make_settings(migrated_database_url)
    app = create_app(
        settings,
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=directory.states(),
        account_directory=directory,
    )
    async with running_app(app) as client:
        tokens: dict[str, str] = {}
        ids: dict[str, str] = {}
        for who, role in ((ADMIN, "admin"), (OWN, "user"), (ANOTHERS, "user"), ("no profile", "user")):
            account = directory.add(role)
            ids[who], tokens[who] = str(account.id), test_keys.mint(str(account.id), role)
            if who == "no profile":
                continue
            # Profiles come into being the way the platform makes them: auth-service's signed event.
            event_id = str(uuid.uuid4())
            envelope = {
                "event_id": event_id,
                "topic": "account.registered",
                "occurred_at": "2025-06-01T08:00:00+00:00",
                "data": {"account_id": ids[who], "email": account.email, "role": role},
            }
            body = json.dumps(envelope).encode()
            response = await client.post(
                "/internal/events",
                content=body,
                headers=signing.signed_headers(ACCOUNT_EVENTS_SECRET, body, event_id),
            )
            assert response.status_code == 200, response.text
        yield World(client, directory, tokens, ids)


def request_for(route: str, who: str, world: World) -> tuple[str, str, dict[str, Any] | None]:
    """The request `who` makes on `route`. "Own" and "another's" name whose profile a plain user
    (the OWN account) targets; anonymous and admin target the user's profile."""
    method, template = route.split(" ")
    caller_target = world.ids[ANOTHERS] if who == ANOTHERS else world.ids[OWN]
    if route == "POST /users/":
        target = world.ids["no profile"] if who in (ADMIN, ANOTHERS) else world.ids[OWN]
        return method, template, {"user_id": target, "full_name": "Created By Admin"}
    if route == "PUT /users/{id}":
        return method, template.format(id=caller_target), {"full_name": f"Renamed by {who}"}
    return method, template.format(id=caller_target), None


def caller(who: str) -> str:
    return OWN if who in (OWN, ANOTHERS) else who


@pytest.mark.parametrize(("route", "who", "expected"), CASES, ids=[f"{r} as {w}" for r, w, _ in CASES])
async def test_user_rows_of_the_rbac_table(world: World, route: str, who: str, expected: int) -> None:
    method, path, body = request_for(route, who, world)
    response = await world.client.request(method, path, headers=world.headers(caller(who)), json=body)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    if expected in (401, 403, 404):
        await assert_nothing_changed(world)
    else:
        await assert_done(route, who, world)


async def assert_nothing_changed(world: World) -> None:
    admin = world.headers(ADMIN)
    for who in (OWN, ANOTHERS):
        profile = await world.client.get(f"/users/{world.ids[who]}", headers=admin)
        assert profile.status_code == 200
        assert profile.json()["full_name"] is None
    assert (await world.client.get(f"/users/{world.ids['no profile']}", headers=admin)).status_code == 404
    assert world.directory.deactivated == []


async def assert_done(route: str, who: str, world: World) -> None:
    admin = world.headers(ADMIN)
    if route == "POST /users/":
        created = await world.client.get(f"/users/{world.ids['no profile']}", headers=admin)
        assert created.json()["full_name"] == "Created By Admin"
    elif route == "PUT /users/{id}":
        updated = await world.client.get(f"/users/{world.ids[OWN]}", headers=admin)
        assert updated.json()["full_name"] == f"Renamed by {who}"
    elif route == "DELETE /users/{id}":
        assert world.directory.deactivated == [uuid.UUID(world.ids[OWN])]
        assert (await world.client.get(f"/users/{world.ids[OWN]}", headers=admin)).status_code == 404


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
