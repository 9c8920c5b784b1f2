"""A service named with several base URLs: the gateway takes its instances in turn, moves on
to the next instance when one cannot be connected to, and never sends a request twice once it
may have reached a service."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import GatewayFactory, Platform, make_settings
from tests.stubs import Received, echo_service

FLIGHTS_A = "http://flights-a.test"
FLIGHTS_B = "http://flights-b.test:8004"


class Counting(httpx.AsyncBaseTransport):
    """Passes requests on to `inner`, remembering each path it was handed."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


class BrokenAfterSending(httpx.AsyncBaseTransport):
    """Takes the whole request, then fails the way a service that died mid-answer does."""

    def __init__(self, error: httpx.TransportError) -> None:
        self.error = error
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        raise self.error


def _echo(name: str, received: Received) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=echo_service(name, received))


async def test_requests_take_the_instances_in_turn(start_gateway: GatewayFactory, platform: Platform) -> None:
    seen_a, seen_b = Received(), Received()
    transports = {
        **platform.transports(),
        FLIGHTS_A: _echo("flights", seen_a),
        FLIGHTS_B: _echo("flights", seen_b),
    }
    del transports["flights"]
    settings = make_settings(FLIGHTS_SERVICE_URL=f"{FLIGHTS_A}, {FLIGHTS_B}/")
    async with start_gateway(settings, transports=transports) as gateway:
        for number in range(6):
            response = await gateway.get(f"/flights/search?n={number}")
            assert response.status_code == 200, response.text
    assert [r["query"] for r in seen_a.requests] == ["n=0", "n=2", "n=4"]
    assert [r["query"] for r in seen_b.requests] == ["n=1", "n=3", "n=5"]
    # Each instance is addressed as itself.
    assert dict(seen_b.last["headers"])["host"] == "flights-b.test:8004"


async def test_an_instance_that_refuses_connections_is_passed_over(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    seen = Received()
    transports = {**platform.transports(), FLIGHTS_B: _echo("flights", seen)}
    del transports["flights"]
    settings = make_settings(FLIGHTS_SERVICE_URL=f"{refused_url},{FLIGHTS_B}")
    async with start_gateway(settings, transports=transports) as gateway:
        _, auth = platform.login()
        for number in range(4):
            response = await gateway.post(f"/flights/orders/{number}", json={"n": number}, headers=auth)
            assert response.status_code == 200, response.text
    # Every request arrived exactly once, its body included.
    assert [r["body"] for r in seen.requests] == [f'{{"n":{n}}}' for n in range(4)]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), 503),
        (httpx.ReadError("connection reset by peer"), 503),
        (httpx.ReadTimeout("timed out"), 504),
    ],
)
async def test_a_request_that_may_have_reached_an_instance_is_never_sent_again(
    start_gateway: GatewayFactory, platform: Platform, error: httpx.TransportError, status: int
) -> None:
    seen = Received()
    broken = BrokenAfterSending(error)
    transports = {**platform.transports(), FLIGHTS_A: broken, FLIGHTS_B: _echo("flights", seen)}
    del transports["flights"]
    settings = make_settings(FLIGHTS_SERVICE_URL=f"{FLIGHTS_A},{FLIGHTS_B}")
    async with start_gateway(settings, transports=transports) as gateway:
        _, auth = platform.login()
        response = await gateway.post("/flights/orders", json={"pay": 1}, headers=auth)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert broken.bodies == [b'{"pay":1}']
    assert seen.requests == []


async def test_every_instance_down_is_503(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    transports = {name: t for name, t in platform.transports().items() if name != "payment"}
    with socket.socket() as also_refusing:
        also_refusing.bind(("127.0.0.1", 0))
        second = f"http://127.0.0.1:{also_refusing.getsockname()[1]}"
        settings = make_settings(PAYMENT_SERVICE_URL=f"{refused_url},{second}")
        async with start_gateway(settings, transports=transports) as gateway:
            response = await gateway.post("/webhooks/midtrans", json={"order_id": "o-1"})
    assert response.status_code == 503
    assert response.json()["detail"] == "payment-service is unavailable."


async def test_a_redirect_to_the_answering_instance_becomes_relative(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    transports = {
        **platform.transports(),
        FLIGHTS_A: _echo("flights", Received()),
        FLIGHTS_B: _echo("flights", Received()),
    }
    del transports["flights"]
    settings = make_settings(FLIGHTS_SERVICE_URL=f"{FLIGHTS_A},{FLIGHTS_B}")
    async with start_gateway(settings, transports=transports) as gateway:
        _, auth = platform.login()
        locations = [
            (await gateway.get("/flights/redirect", headers=auth)).headers["location"] for _ in range(2)
        ]
    assert locations == ["/flights/elsewhere?x=1", "/flights/elsewhere?x=1"]


async def test_token_checks_readiness_and_docs_spread_over_auth_instances(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    auth_a = Counting(httpx.ASGITransport(app=platform.auth.app))
    auth_b = Counting(httpx.ASGITransport(app=platform.auth.app))
    transports = {**platform.transports(), "http://auth-a.test": auth_a, "http://auth-b.test": auth_b}
    del transports["auth"]
    settings = make_settings(AUTH_SERVICE_URL=f"http://auth-a.test,{refused_url},http://auth-b.test")
    async with start_gateway(settings, transports=transports) as gateway:
        assert (await gateway.get("/readyz")).status_code == 200
        for _ in range(3):
            _, auth = platform.login()
            response = await gateway.get("/users/me", headers=auth)
            assert response.status_code == 200, response.text
        document = (await gateway.get("/openapi.json")).json()
    assert "auth" not in document["x-tiketq-unavailable"]
    assert "/auth/users/{account_id}" in document["paths"]
    internal = [path for path in auth_a.paths + auth_b.paths if path.startswith("/internal/accounts/")]
    assert len(internal) == 3  # one account-state look-up per new account, wherever it went
    assert any(p.startswith("/internal/") for p in auth_a.paths)
    assert any(p.startswith("/internal/") for p in auth_b.paths)
    assert platform.auth.jwks_fetches == 1
