"""The service shell: problem+json everywhere, request ids, the body cap, domain error maps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.errors import ProblemError, ProblemSpec, problem_responses
from shared.service_app import create_service_app
from shared.settings import RuntimeSettings
from testkit.asgi import running_app


class SeatsSoldOut(Exception):
    pass


class Body(BaseModel):
    name: str
    count: int


def build(max_body: int = 2048) -> FastAPI:
    app = create_service_app(
        name="demo",
        title="Demo",
        version="1",
        description="demo",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False, MAX_BODY_BYTES=max_body),
        error_map={SeatsSoldOut: ProblemSpec(409, "seats-sold-out", "Seats sold out")},
    )

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/sold-out")
    async def sold_out() -> None:
        raise SeatsSoldOut("No seats left on GA404.")

    @app.get("/teapot")
    async def teapot() -> None:
        raise ProblemError(418, "teapot", "I am a teapot.")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def test_validation_errors_are_problem_json_without_echoing_input() -> None:
    async with running_app(build()) as client:
        response = await client.post("/things", json={"name": "x", "count": "many", "password": "hunter2"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    # The same title on every Python (3.13 renamed the phrase "Unprocessable Content").
    assert body["title"] == "Unprocessable Entity"
    assert body["errors"][0]["loc"] == ["body", "count"]
    assert "hunter2" not in response.text


async def test_malformed_json_is_a_4xx_problem() -> None:
    async with running_app(build()) as client:
        response = await client.post(
            "/things", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_domain_errors_map_to_their_problem() -> None:
    async with running_app(build()) as client:
        response = await client.get("/sold-out")
        teapot = await client.get("/teapot")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/seats-sold-out")
    assert response.json()["detail"] == "No seats left on GA404."
    assert teapot.status_code == 418


async def test_unexpected_errors_are_500_with_request_id_and_no_trace() -> None:
    app = build()
    async with app.router.lifespan_context(app):
        import httpx

        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/boom", headers={"X-Request-ID": "abc-1"})
    assert response.status_code == 500
    assert response.json()["request_id"] == "abc-1"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("chunked", [False, True])
async def test_bodies_over_the_cap_get_413(chunked: bool) -> None:
    payload = b'{"name": "' + b"x" * 5000 + b'", "count": 1}'

    async def stream() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 1000):
            yield payload[i : i + 1000]

    async with running_app(build(max_body=2048)) as client:
        if chunked:
            response = await client.post(
                "/things", content=stream(), headers={"content-type": "application/json"}
            )
        else:
            response = await client.post(
                "/things", content=payload, headers={"content-type": "application/json"}
            )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Request Entity Too Large"  # "Content Too Large" on 3.13


def test_documented_error_statuses_read_the_same_on_every_python() -> None:
    responses = problem_responses(404, 413, 414, 416, 422)

    assert {status: r["description"] for status, r in responses.items()} == {
        404: "Not Found",
        413: "Request Entity Too Large",
        414: "Request-URI Too Long",
        416: "Requested Range Not Satisfiable",
        422: "Unprocessable Entity",
    }


async def test_request_id_is_generated_or_passed_through() -> None:
    async with running_app(build()) as client:
        generated = await client.get("/healthz")
        given = await client.get("/healthz", headers={"X-Request-ID": "from-edge-42"})
        hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert len(generated.headers["x-request-id"]) == 32
    assert given.headers["x-request-id"] == "from-edge-42"
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


async def test_metrics_label_requests_by_route_template_including_included_routers() -> None:
    from fastapi import APIRouter

    app = build()
    router = APIRouter(prefix="/orders")

    @router.get("/{order_id}")
    async def get_order(order_id: str) -> dict[str, str]:
        return {"id": order_id}

    app.include_router(router)
    async with running_app(app) as client:
        await client.get("/orders/abc")
        await client.get("/orders/def")
        await client.get("/no-such-route")
        metrics = (await client.get("/metrics")).text
    assert 'route="/orders/{order_id}",status="200"} 2.0' in metrics
    assert 'route="unmatched",status="404"} 1.0' in metrics
    assert "abc" not in metrics
