"""The shell's one middleware: what it does for every request, including the shortcuts it takes
(a request without a body reaches the app with the server's own `receive`; no access-log work
when nobody reads the access log)."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from shared.metrics import BUCKETS, HttpMetrics
from shared.middleware import ServiceShellMiddleware
from shared.service_app import _StaticRoutes, create_service_app, group_static_routes, opentelemetry_requested
from shared.settings import RuntimeSettings
from testkit.asgi import running_app


def build(max_body: int = 2048, *, log_json: bool = False, log_level: str = "INFO") -> FastAPI:
    app = create_service_app(
        name="demo",
        title="Demo",
        version="1",
        description="demo",
        runtime=RuntimeSettings(
            ENVIRONMENT="test", LOG_JSON=log_json, LOG_LEVEL=log_level, MAX_BODY_BYTES=max_body
        ),
    )

    @app.get("/echo-length")
    async def echo_length(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    @app.get("/upstream-id")
    async def upstream_id() -> Response:
        # As the gateway relays a service's answer, with the service's own request id in it.
        return Response(b"relayed", headers={"X-Request-ID": "from-upstream"})

    return app


def _scope(headers: list[tuple[bytes, bytes]], method: str = "GET") -> Scope:
    return {
        "type": "http",
        "method": method,
        "path": "/x",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
    }


async def _call(middleware: ServiceShellMiddleware, scope: Scope, receive: Receive) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


async def _server_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


@pytest.mark.parametrize(
    ("headers", "passed_through"),
    [
        ([], True),
        ([(b"content-length", b"0")], True),
        ([(b"content-length", b"3")], False),
        ([(b"transfer-encoding", b"chunked")], False),
    ],
)
async def test_only_a_request_with_a_body_is_buffered(
    headers: list[tuple[bytes, bytes]], passed_through: bool
) -> None:
    seen: list[Receive] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(receive)
        await Response(b"ok")(scope, receive, send)

    middleware = ServiceShellMiddleware(app, max_bytes=1024, metrics=HttpMetrics("demo"))
    sent = await _call(middleware, _scope(headers), _server_receive)
    assert sent[0]["status"] == 200
    assert (seen[0] is _server_receive) is passed_through


async def test_a_get_with_a_body_is_capped_too() -> None:
    async with running_app(build(max_body=1024)) as client:
        small = await client.request("GET", "/echo-length", content=b"x" * 10)
        large = await client.request("GET", "/echo-length", content=b"x" * 5000)
    assert small.json() == {"length": 10}
    assert large.status_code == 413
    assert large.headers["content-type"] == "application/problem+json"
    assert large.json()["request_id"] == large.headers["x-request-id"]


async def test_the_answer_carries_one_request_id_ours() -> None:
    async with running_app(build()) as client:
        response = await client.get("/upstream-id", headers={"X-Request-ID": "edge-7"})
    assert response.headers.get_list("x-request-id") == ["edge-7"]


async def test_the_access_log_carries_the_request_id_and_skips_probes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_app(build()) as client:
        await client.get("/echo-length", headers={"X-Request-ID": "log-1"})
        await client.get("/healthz")
        await client.get("/metrics")
    access = [line for line in capsys.readouterr().out.splitlines() if "access:" in line]
    assert access == ["INFO    access: [log-1] GET /echo-length 200"]


async def test_the_json_access_line_has_status_and_duration(capsys: pytest.CaptureFixture[str]) -> None:
    async with running_app(build(log_json=True)) as client:
        await client.get("/echo-length", headers={"X-Request-ID": "log-2"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"access"' in line]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "log-2"
    assert lines[0]["status"] == 200
    assert lines[0]["duration_ms"] >= 0


async def test_no_access_log_line_when_the_level_is_warning(capsys: pytest.CaptureFixture[str]) -> None:
    async with running_app(build(log_level="WARNING")) as client:
        assert (await client.get("/echo-length")).status_code == 200
    assert "access" not in capsys.readouterr().out


async def test_metrics_count_every_answer_including_repeats_and_probes() -> None:
    async with running_app(build()) as client:
        for _ in range(3):
            await client.get("/echo-length")
        await client.get("/healthz")
        await client.post("/echo-length")
        await client.get("/metrics")
        metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/echo-length",status="200"} 3.0' in metrics
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in metrics
    assert 'http_requests_total{method="POST",route="/echo-length",status="405"} 1.0' in metrics
    assert 'http_request_duration_seconds_count{method="GET",route="/echo-length"} 3.0' in metrics
    assert 'route="/metrics"' not in metrics


async def test_the_probes_answer_as_before_and_refuse_other_methods_as_problems() -> None:
    async with running_app(build()) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        posted = await client.post("/healthz")
    assert health.json() == {"status": "ok", "service": "demo"}
    assert health.headers["content-type"] == "application/json"
    assert ready.json() == {"status": "ready", "service": "demo"}
    assert posted.status_code == 405
    assert posted.headers["content-type"] == "application/problem+json"


def test_fastapi_telemetry_is_off_unless_the_environment_asks_for_opentelemetry() -> None:
    assert not opentelemetry_requested({"PATH": "/usr/bin", "LOG_LEVEL": "INFO"})
    assert opentelemetry_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert opentelemetry_requested({"FASTAPI_OTEL_AUTO_CONFIGURE": "True"})


def routed_app() -> FastAPI:
    """The shell with routes that interact with its own: a catch-all, a fixed path served twice
    for two methods, a parameter, and a plain route added after the shell's."""
    app = build()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"thing": thing_id}

    async def put_twice(_: Request) -> Response:
        return Response(b"put")

    async def post_twice(_: Request) -> Response:
        return Response(b"post")

    app.add_route("/twice", put_twice, methods=["PUT"])
    app.add_route("/twice", post_twice, methods=["POST"])

    @app.api_route("/{anything}", methods=["DELETE"])
    async def catch_all(anything: str) -> dict[str, str]:
        return {"deleted": anything}

    return app


REQUESTS = [
    ("GET", "/healthz"),
    ("HEAD", "/healthz"),
    ("POST", "/healthz"),
    ("DELETE", "/healthz"),  # the shell's route allows GET only: the catch-all takes it
    ("GET", "/healthz%0A"),
    ("GET", "/healthz/"),
    ("GET", "/readyz"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/openapi.json"),
    ("PUT", "/twice"),
    ("POST", "/twice"),
    ("GET", "/twice"),
    ("GET", "/things/a1"),
    ("GET", "/nope"),
    ("DELETE", "/nope"),
]


async def test_grouping_the_fixed_routes_answers_every_request_as_before() -> None:
    import httpx

    async def answers(client: httpx.AsyncClient) -> list[tuple[int, str, bytes]]:
        out = []
        for method, path in REQUESTS:
            response = await client.request(method, path, headers={"X-Request-ID": "same"})
            out.append((response.status_code, response.headers.get("content-type", ""), response.content))
        return out

    ungrouped_app = routed_app()
    transport = httpx.ASGITransport(app=ungrouped_app)  # no lifespan: the routes stay as built
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        before = await answers(client)
    assert not any(isinstance(route, _StaticRoutes) for route in ungrouped_app.router.routes)

    app = routed_app()
    async with running_app(app) as client:
        after = await answers(client)
        metrics = (await client.get("/metrics")).text
    assert isinstance(app.router.routes[0], _StaticRoutes)
    for request, old, new in zip(REQUESTS, before, after, strict=True):
        assert new == old, request
    assert app.url_path_for("healthz") == "/healthz"
    assert 'route="/healthz",status="200"' in metrics


def test_only_runs_of_distinct_fixed_plain_routes_are_grouped() -> None:
    from starlette.routing import Route

    async def endpoint(_: Request) -> Response:
        return Response()

    a, b, c = (Route(path, endpoint) for path in ("/a", "/b", "/c"))
    b_again = Route("/b", endpoint, methods=["POST"])
    dynamic = Route("/items/{item_id}", endpoint)
    grouped = group_static_routes([a, b, b_again, c, dynamic, a])
    assert [type(route).__name__ for route in grouped] == ["_StaticRoutes", "_StaticRoutes", "Route", "Route"]
    first, second = grouped[0], grouped[1]
    assert isinstance(first, _StaticRoutes)
    assert first.routes == [a, b]
    assert isinstance(second, _StaticRoutes)
    assert second.routes == [b_again, c]
    assert grouped[2:] == [dynamic, a]


def test_the_metrics_exposition_is_prometheus_clients_own() -> None:
    """The same observations, counted by prometheus_client's Counter and Histogram and by the
    shell's plain figures, read the same at /metrics (the creation times aside)."""
    import re
    from types import SimpleNamespace

    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

    registry = CollectorRegistry()
    labels = ("method", "route", "status")
    counter = Counter("http_requests_total", "HTTP requests served", labels, registry=registry)
    latency = ("http_request_duration_seconds", "HTTP request latency", labels[:2])
    histogram = Histogram(*latency, buckets=BUCKETS, registry=registry)
    metrics = HttpMetrics("demo")
    observations = [
        ("GET", "/ping", 200, 0.003),
        ("GET", "/ping", 200, 0.01),  # on a bucket's bound: counted in that bucket
        ("POST", "/things/{thing_id}", 422, 0.3),
        ("GET", None, 404, 12.0),  # past the last bound: only in +Inf
        ("GET", "/ping", 500, 0.0),
    ]
    for method, route, status, seconds in observations:
        scope: dict[str, object] = {"method": method}
        if route is not None:
            scope["route"] = SimpleNamespace(path=route)
        metrics.record(scope, status, seconds)
        counter.labels(method, route or "unmatched", str(status)).inc()
        histogram.labels(method, route or "unmatched").observe(seconds)

    def text(registry: CollectorRegistry) -> str:
        return re.sub(r"(_created\{.*\}) \S+", r"\1 T", generate_latest(registry).decode())

    assert text(metrics.registry) == text(registry)
