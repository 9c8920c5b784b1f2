"""The shell every service has from day one, as one reusable set of tests.

A service's `tests/test_service_shell.py` is just

    class TestServiceShell(ServiceShellContract):
        pass

and its `conftest.py` provides two fixtures: `make_app(database_url) -> FastAPI` (the service
configured for tests on any database) and `app` (the service on its migrated test database);
`shell_fixtures()` makes both for a service whose settings are just runtime + database.
pytest collects the inherited tests in each service's process; this base class itself is never
collected, because its name does not start with `Test`.

What the contract checks: health, readiness against the real database (and 503 when that
database is missing, which assumes the app starts without it: readiness reports, start-up does
not crash), metrics, docs, problem+json with the request id for an unknown route, the
checked-in openapi.json, and the migration stairway. A service whose shell behaves differently
overrides the one test that no longer fits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from shared.settings import DatabaseSettings, RuntimeSettings
from testkit.asgi import running_app
from testkit.migrations import assert_stairway
from testkit.openapi import stale_message
from testkit.postgres import PostgresServer

MakeApp = Callable[[str], FastAPI]


def shell_fixtures(
    create_app: Callable[[Any], FastAPI], settings_type: Callable[..., Any]
) -> tuple[Any, Any]:
    """The `make_app` and `app` fixtures of a service whose settings are just runtime + database:

    make_app, app = shell_fixtures(create_app, Settings)
    """

    @pytest.fixture
    def make_app() -> MakeApp:
        def make(database_url: str) -> FastAPI:
            return create_app(
                settings_type(
                    runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
                    database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
                )
            )

        return make

    @pytest.fixture
    def app(make_app: MakeApp, migrated_database_url: str) -> FastAPI:
        return make_app(migrated_database_url)

    return make_app, app


class ServiceShellContract:
    async def test_health_readiness_metrics_and_docs(self, app: FastAPI) -> None:
        async with running_app(app) as client:
            assert (await client.get("/healthz")).json()["status"] == "ok"
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ready"
            for page in ("/docs", "/redoc", "/openapi.json"):
                assert (await client.get(page)).status_code == 200, page
            metrics = await client.get("/metrics")
            assert "http_requests_total" in metrics.text

    async def test_readiness_fails_when_its_database_is_missing(
        self, make_app: MakeApp, postgres_server: PostgresServer
    ) -> None:
        app = make_app(postgres_server.url_for(f"missing_{uuid.uuid4().hex[:10]}"))
        async with running_app(app) as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.headers["content-type"] == "application/problem+json"

    async def test_unknown_route_is_problem_json_with_request_id(self, app: FastAPI) -> None:
        async with running_app(app) as client:
            response = await client.get("/nope", headers={"X-Request-ID": "req-123"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["x-request-id"] == "req-123"
        assert response.json()["request_id"] == "req-123"

    def test_checked_in_openapi_matches_the_app(self, app: FastAPI, service_dir: Path) -> None:
        assert stale_message(app.openapi(), service_dir / "openapi.json") is None

    def test_migrations_stairway(self, service_dir: Path, make_database: Callable[[str], str]) -> None:
        assert_stairway(service_dir, make_database("stairway"))
