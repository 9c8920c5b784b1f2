"""The shell's one middleware: what it does for every request, including the shortcuts it takes
(a request without a body reaches the app with the server's own `receive`; no access-log work
when nobody reads the access log)."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from shared.metrics import HttpMetrics
from shared.middleware import ServiceShellMiddleware
from shared.service_app import create_service_app, opentelemetry_requested
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
