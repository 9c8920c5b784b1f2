"""What the public edge refuses or adds: header values a client padded with whitespace, the
gateway's metrics, the private webhooks, readiness details and the security headers."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import WEB_APP_ORIGIN, GatewayFactory, Platform, make_settings
from tests.stubs import INTERNAL_TOKEN


async def test_header_values_lose_their_surrounding_whitespace_on_the_way(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    response = await gateway.get(
        "/orders", headers={"Authorization": auth["Authorization"] + "  ", "X-Client": " android \t"}
    )
    assert response.status_code == 200, response.text
    seen = dict(platform.received["transaction"].last["headers"])
    assert seen["authorization"] == auth["Authorization"]
    assert seen["x-client"] == "android"


async def test_a_bearer_without_a_token_is_no_token(gateway: httpx.AsyncClient, platform: Platform) -> None:
    public = await gateway.get("/flights/search", headers={"Authorization": "Bearer "})
    private = await gateway.get("/orders", headers={"Authorization": "Bearer "})
    assert public.status_code == 200, public.text
    assert private.status_code == 401
    assert private.headers["content-type"] == "application/problem+json"
    assert not platform.received["transaction"].requests


async def test_a_control_character_in_a_header_value_is_a_400(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    # The server in front normally refuses such bytes first; the gateway never forwards them.
    response = await gateway.get("/flights/search", headers={"X-Client": "android\x0bios"})
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-header")
    assert "x-client" in response.json()["detail"]
    assert not platform.received["flights"].requests


async def test_metrics_are_not_public(gateway: httpx.AsyncClient) -> None:
    anonymous = await gateway.get("/metrics")
    wrong = await gateway.get("/metrics", headers={"X-Internal-Token": "guess"})
    scraper = await gateway.get("/metrics", headers={"X-Internal-Token": INTERNAL_TOKEN})
    assert anonymous.status_code == 404
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert "http_requests_total" not in anonymous.text
    assert wrong.status_code == 404
    assert scraper.status_code == 200
    assert "http_requests_total" in scraper.text


@pytest.mark.parametrize("path", ["/webhooks/payment", "/webhooks", "/webhooks/anything"])
async def test_service_to_service_webhooks_are_not_routed(
    gateway: httpx.AsyncClient, platform: Platform, path: str
) -> None:
    response = await gateway.post(path, json={"event": "payment.settled"})
    assert response.status_code == 404
    assert not platform.received["transaction"].requests


async def test_readiness_failure_names_no_exception(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    transports = {name: t for name, t in platform.transports().items() if name != "auth"}
    async with start_gateway(make_settings(AUTH_SERVICE_URL=refused_url), transports=transports) as gateway:
        ready = await gateway.get("/readyz")
    assert ready.status_code == 503
    detail = ready.json()["detail"]
    assert detail == "api-gateway is not ready; its log says why."
    assert "Error" not in ready.text


@pytest.mark.parametrize("path", ["/orders", "/flights/search", "/nowhere", "/docs", "/healthz"])
async def test_every_answer_carries_the_security_headers(
    gateway: httpx.AsyncClient, platform: Platform, path: str
) -> None:
    _, auth = platform.login()
    response = await gateway.get(path, headers=auth)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


async def test_an_answer_that_sets_its_own_cache_control_keeps_it(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    cached = await gateway.get("/flights/cached", headers=auth)
    asset = await gateway.get("/docs/assets/swagger-ui.css")
    assert cached.status_code == 200
    assert cached.headers.get_list("cache-control") == ["public, max-age=300"]
    assert asset.status_code == 200
    assert asset.headers.get_list("cache-control") == ["public, max-age=86400"]


@pytest.mark.parametrize("origin", [None, WEB_APP_ORIGIN, "https://evil.example"])
async def test_every_answer_varies_by_origin_and_carries_the_security_headers(
    gateway: httpx.AsyncClient, platform: Platform, origin: str | None
) -> None:
    """With or without a browser's Origin (CORS acts only on those), a cache may never hand one
    caller's answer to a browser of another origin, and the security headers are the same."""
    _, auth = platform.login()
    headers = {**auth, "Origin": origin} if origin else auth
    response = await gateway.get("/flights/search", headers=headers)
    assert response.status_code == 200
    assert response.headers.get_list("vary") == ["Origin"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    allowed = response.headers.get("access-control-allow-origin")
    assert allowed == (WEB_APP_ORIGIN if origin == WEB_APP_ORIGIN else None)


async def test_origin_joins_the_vary_of_the_service_answer(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    settings = make_settings()
    settings.cors.origins_csv = ""
    _, auth = platform.login()
    async with start_gateway(make_settings()) as with_cors, start_gateway(settings) as without_cors:
        varied = await with_cors.get("/flights/varied", headers=auth)
        unvaried = await without_cors.get("/flights/varied", headers=auth)
    assert varied.headers.get_list("vary") == ["Accept-Encoding, Origin"]
    assert unvaried.headers.get_list("vary") == ["Accept-Encoding"]  # no CORS: nothing varies by origin
