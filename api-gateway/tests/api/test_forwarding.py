"""The gateway forwards each request to the service that owns its path and hands back the
service's answer: method, path, query, body and end-to-end headers one way; status, headers and
body the other."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from starlette.types import Message

from app import create_app
from tests.conftest import CLIENT_ADDRESS, MAX_BODY_BYTES, GatewayFactory, Platform, make_settings


def _headers(seen: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        out.setdefault(name, []).append(value)
    return out


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/auth/me", "auth"),
        ("/users/42", "user"),
        ("/transactions/1", "transaction"),
        ("/orders", "transaction"),
        ("/payments/9/refunds", "transaction"),
        ("/reports/daily", "transaction"),
        ("/webhooks/midtrans", "payment"),
        ("/webhooks/xendit", "payment"),
        ("/webhooks/digiflazz", "ppob"),
        ("/flights/search", "flights"),
        ("/ferries/search", "ferries"),
        ("/hotels/search", "hotels"),
        ("/ppob/products", "ppob"),
    ],
)
async def test_each_prefix_reaches_its_service(
    gateway: httpx.AsyncClient, platform: Platform, path: str, service: str
) -> None:
    _, auth = platform.login()
    response = await gateway.get(path, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["service"] == service
    assert response.json()["path"] == path


async def test_method_path_query_body_and_headers_are_forwarded(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    body = json.dumps({"service_type": "flight", "offer_id": "off-1"})
    response = await gateway.post(
        "/orders/search%20me",
        params=[("limit", "5"), ("tag", "a"), ("tag", "b b")],
        content=body,
        headers={
            **auth,
            "Content-Type": "application/json",
            "Idempotency-Key": "key-1",
            "Accept-Language": "id-ID",
        },
    )
    assert response.status_code == 200, response.text
    seen = platform.received["transaction"].last
    assert seen["method"] == "POST"
    assert seen["path"] == "/orders/search me"
    assert seen["raw_path"] == "/orders/search%20me"
    assert seen["query"] == "limit=5&tag=a&tag=b+b"
    assert seen["body"] == body
    headers = _headers(seen)
    assert headers["authorization"] == [auth["Authorization"]]  # unchanged: services verify again
    assert headers["content-type"] == ["application/json"]
    assert headers["idempotency-key"] == ["key-1"]
    assert headers["accept-language"] == ["id-ID"]
    assert headers["content-length"] == [str(len(body))]


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_is_forwarded_as_sent(
    gateway: httpx.AsyncClient, platform: Platform, method: str
) -> None:
    _, auth = platform.login()
    response = await gateway.request(method, "/users/7", headers=auth)
    assert response.status_code == 200
    assert platform.received["user"].last["method"] == method


async def test_forwarded_headers_describe_the_client_and_the_request_id_is_passed_on(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    response = await gateway.get(
        "/flights/search",
        headers={
            **auth,
            "X-Request-ID": "req-abc-123",
            "X-Forwarded-For": "198.51.100.9",
            "Host": "api.tiketq.id",
        },
    )
    assert response.headers["x-request-id"] == "req-abc-123"
    headers = _headers(platform.received["flights"].last)
    assert headers["x-request-id"] == ["req-abc-123"]
    assert headers["x-forwarded-for"] == [CLIENT_ADDRESS[0]]
    assert headers["x-forwarded-proto"] == ["http"]
    assert headers["x-forwarded-host"] == ["api.tiketq.id"]
    assert headers["host"] == ["flights.test"]


async def test_a_request_id_is_made_when_the_client_sends_none(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    response = await gateway.get("/hotels/search", headers=auth)
    made = response.headers["x-request-id"]
    assert len(made) >= 16
    assert _headers(platform.received["hotels"].last)["x-request-id"] == [made]


async def test_identity_and_internal_headers_from_the_client_never_reach_a_service(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    await gateway.get(
        "/users/me",
        headers={
            **auth,
            "X-User-Id": "00000000-0000-0000-0000-000000000001",
            "X-User-Role": "admin",
            "X-Internal-Token": "guessing",
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "1",
            "Proxy-Authorization": "Basic eA==",
        },
    )
    headers = _headers(platform.received["user"].last)
    for name in ("x-user-id", "x-user-role", "x-internal-token", "x-hop", "proxy-authorization"):
        assert name not in headers


async def test_status_headers_and_body_come_back_as_the_service_sent_them(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    response = await gateway.post("/orders/created", headers=auth, json={"a": 1})
    assert response.status_code == 201
    assert response.headers["x-upstream"] == "yes"
    assert response.headers.get_list("set-cookie") == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]
    assert "connection" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))
    assert response.json()["body"] == '{"a":1}'


async def test_compressed_bodies_pass_through_undecoded(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    request = gateway.build_request("GET", "/ppob/gzipped", headers={**auth, "Accept-Encoding": "gzip"})
    response = await gateway.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-length"] == str(len(raw))
    assert json.loads(gzip.decompress(raw)) == {"compressed": True}


async def test_the_gateway_adds_no_headers_of_its_own_making(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    # Compression, content types and the user agent stay the caller's business.
    _, auth = platform.login()
    request = gateway.build_request("GET", "/ppob/products", headers=auth)
    for name in ("Accept-Encoding", "Accept", "User-Agent", "Connection"):
        del request.headers[name]
    await gateway.send(request)
    assert set(_headers(platform.received["ppob"].last)) == {
        "host",
        "authorization",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-request-id",
    }


async def test_a_redirect_to_the_services_own_address_is_made_relative(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    settings = make_settings(FERRIES_SERVICE_URL="http://ferries.test:8005")
    async with start_gateway(settings) as gateway:
        _, auth = platform.login()
        response = await gateway.get("/ferries/redirect", headers=auth)
    assert response.status_code == 307
    assert response.headers["location"] == "/ferries/elsewhere?x=1"


async def test_no_content_and_head_answers_carry_no_body(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    empty = await gateway.delete("/users/7/empty", headers=auth)
    assert empty.status_code == 204
    assert empty.content == b""
    head = await gateway.head("/users/7", headers=auth)
    assert head.status_code == 200
    assert head.content == b""
    assert platform.received["user"].last["method"] == "HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/internal/accounts/1",
        "/auth/internal/accounts/1",
        "/Internal/accounts/1",
        "/%69nternal/accounts/1",
        "/flights/../internal/accounts/1",
        "/flights/%2e%2e/auth/me",
        "/flights/%252e%252e/auth/me",
        "/flights%2F..%2Finternal",
        "/nowhere",
        "/",
    ],
)
async def test_internal_dot_segment_and_unknown_paths_are_404_even_with_a_token(
    gateway: httpx.AsyncClient, platform: Platform, path: str
) -> None:
    _, auth = platform.login("admin")
    response = await gateway.send(
        gateway.build_request("GET", httpx.URL("http://gateway.test" + path), headers=auth)
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert all(not received.requests for received in platform.received.values())
    assert not platform.auth.received.requests


@pytest.mark.parametrize(
    "raw_path", [b"/flights/../internal/accounts/1", b"/flights/./../auth/me", b"/webhooks/../auth/me"]
)
async def test_raw_dot_segments_are_refused_as_sent(platform: Platform, raw_path: bytes) -> None:
    # httpx removes `..` from URLs before sending; a raw ASGI call shows what a hostile client
    # can put on the wire.
    app = create_app(make_settings(), transports=platform.transports())
    _, auth = platform.login("admin")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode()),
        "raw_path": raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway.test"), (b"authorization", auth["Authorization"].encode())],
        "client": CLIENT_ADDRESS,
        "server": ("gateway.test", 80),
        "state": {},
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert sent[0]["status"] == 404
    assert all(not received.requests for received in platform.received.values())
    assert not platform.auth.received.requests


async def test_request_body_over_the_cap_is_413_declared_or_streamed(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    declared = await gateway.post("/orders", headers=auth, content=b"x" * (MAX_BODY_BYTES + 1))
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"y" * 1024

    streamed = await gateway.post("/orders", headers=auth, content=chunks())
    assert streamed.status_code == 413
    assert streamed.json()["request_id"] == streamed.headers["x-request-id"]
    assert not platform.received["transaction"].requests


class _StalledStream(httpx.AsyncByteStream):
    """A service response that sends a first chunk and then nothing."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.closed = False

    async def __aiter__(self):  # type: ignore[no-untyped-def,override]
        yield b"{"
        self.started.set()
        await asyncio.Event().wait()

    async def aclose(self) -> None:
        self.closed = True


class _StallingTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.stream = _StalledStream()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=self.stream)


async def test_a_cancelled_request_closes_its_upstream_response(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    stalling = _StallingTransport()
    transports = {**platform.transports(), "hotels": stalling}
    async with start_gateway(transports=transports) as gateway:
        _, auth = platform.login()
        call = asyncio.create_task(gateway.get("/hotels/search", headers=auth))
        await asyncio.wait_for(stalling.stream.started.wait(), 5)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    assert stalling.stream.closed


async def test_cookies_a_service_sets_for_one_caller_never_reach_another(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    # The gateway's pooled clients are shared by every caller: they must keep no cookie jar.
    _, first = platform.login()
    assert (await gateway.post("/orders/created", headers=first)).headers.get_list("set-cookie")
    gateway.cookies.clear()
    _, second = platform.login()
    await gateway.get("/orders", headers=second)
    assert "cookie" not in _headers(platform.received["transaction"].last)
