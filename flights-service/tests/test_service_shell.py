"""The shell every service has from day one: health, readiness on a real database, metrics,
docs, problem+json for unknown routes, and a checked-in openapi.json that matches the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from testkit.asgi import running_app
from testkit.migrations import assert_stairway
from testkit.openapi import stale_message


async def test_health_readiness_metrics_and_docs(app: FastAPI) -> None:
    async with running_app(app) as client:
        assert (await client.get("/healthz")).json()["status"] == "ok"
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert (await client.get("/docs")).status_code == 200
        metrics = await client.get("/metrics")
        assert "http_requests_total" in metrics.text


async def test_unknown_route_is_problem_json_with_request_id(app: FastAPI) -> None:
    async with running_app(app) as client:
        response = await client.get("/nope", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-123"
    assert response.json()["request_id"] == "req-123"


def test_checked_in_openapi_matches_the_app(app: FastAPI, service_dir: Path) -> None:
    assert stale_message(app.openapi(), service_dir / "openapi.json") is None


def test_migrations_stairway(service_dir: Path, make_database) -> None:  # type: ignore[no-untyped-def]
    assert_stairway(service_dir, make_database("stairway"))
