"""A service that is slow or down becomes a problem the caller can act on, with the request id."""

from __future__ import annotations

import time

import httpx

from tests.conftest import GatewayFactory, Platform, make_settings


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = response.json()
    assert problem["type"] == f"https://docs.tiketq.id/problems/{slug}"
    assert problem["request_id"] == response.headers["x-request-id"]
    return problem


async def test_a_service_that_does_not_answer_in_time_is_504(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    async with start_gateway(make_settings(UPSTREAM_TIMEOUT_SECONDS=0.2)) as gateway:
        _, auth = platform.login()
        started = time.monotonic()
        response = await gateway.get("/flights/slow", headers={**auth, "X-Request-ID": "slow-1"})
    assert time.monotonic() - started < 5
    problem = _problem(response, 504, "upstream-timeout")
    assert problem["request_id"] == "slow-1"
    assert problem["detail"] == "flights-service did not answer in time."


async def test_a_service_that_is_down_is_503(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    transports = {name: t for name, t in platform.transports().items() if name != "payment"}
    async with start_gateway(
        make_settings(PAYMENT_SERVICE_URL=refused_url), transports=transports
    ) as gateway:
        response = await gateway.post("/webhooks/midtrans", json={"order_id": "o-1"})
    problem = _problem(response, 503, "upstream-unavailable")
    assert problem["detail"] == "payment-service is unavailable."
