"""What the gateway answers itself: health, readiness, CORS, and its own schema."""

from __future__ import annotations

from pathlib import Path

import httpx

from app import create_app
from testkit.openapi import stale_message
from tests.conftest import WEB_APP_ORIGIN, GatewayFactory, Platform, make_settings


async def test_health_and_readiness_need_no_token(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/healthz")).json() == {"status": "ok", "service": "api-gateway"}
    ready = await gateway.get("/readyz")
    assert ready.status_code == 200, ready.text
    # /metrics is for the platform's scraper only (tests/api/test_edge.py).


async def test_not_ready_while_auth_service_is_down(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    transports = {name: t for name, t in platform.transports().items() if name != "auth"}
    async with start_gateway(make_settings(AUTH_SERVICE_URL=refused_url), transports=transports) as gateway:
        ready = await gateway.get("/readyz")
        assert (await gateway.get("/healthz")).status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"


async def test_cors_preflight_from_the_web_app_is_answered(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    response = await gateway.options(
        "/orders",
        headers={
            "Origin": WEB_APP_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key, X-Request-ID",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WEB_APP_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key", "x-request-id"):
        assert header in allowed
    assert not platform.received["transaction"].requests  # answered at the gateway


async def test_cors_preflight_from_another_origin_is_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.options(
        "/orders", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_headers_come_with_errors_too_and_expose_the_request_id(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/auth/me", headers={"Origin": WEB_APP_ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == WEB_APP_ORIGIN
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_without_configured_origins_there_are_no_cors_headers(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    settings = make_settings()
    settings.cors.origins_csv = ""
    async with start_gateway(settings) as gateway:
        _, auth = platform.login()
        response = await gateway.get("/auth/me", headers={**auth, "Origin": WEB_APP_ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_trace_is_never_forwarded(gateway: httpx.AsyncClient, platform: Platform) -> None:
    _, auth = platform.login()
    response = await gateway.request("TRACE", "/flights/search", headers=auth)
    assert response.status_code == 405
    assert not platform.received["flights"].requests


def test_the_gateway_schema_holds_only_its_own_routes(platform: Platform) -> None:
    schema = create_app(make_settings(), transports=platform.transports()).openapi()
    assert schema["paths"] == {}
    assert schema["info"]["title"] == "TiketQ API Gateway"


def test_checked_in_openapi_matches_the_app(platform: Platform, service_dir: Path) -> None:
    app = create_app(make_settings(), transports=platform.transports())
    assert stale_message(app.openapi(), service_dir / "openapi.json") is None
