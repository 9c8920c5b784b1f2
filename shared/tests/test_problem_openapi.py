"""The OpenAPI document says what errors really are: application/problem+json with the Problem
body (FastAPI would file them under application/json, its validation error included), and a
400 wherever a body is read."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from shared.errors import install_problem_handlers, problem_responses

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}


class Thing(BaseModel):
    name: str


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things", responses=problem_responses(409, 422))
    async def create(body: Thing) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/things/{thing_id}")  # FastAPI adds its own 422 for the path parameter
    async def read(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    return app


def test_error_responses_are_documented_as_problem_json() -> None:
    document = make_app().openapi()
    create = document["paths"]["/things"]["post"]["responses"]
    read = document["paths"]["/things/{thing_id}"]["get"]["responses"]
    assert create["409"]["content"] == {"application/problem+json": PROBLEM}
    assert create["422"]["content"] == {"application/problem+json": PROBLEM}
    assert read["422"]["content"] == {"application/problem+json": PROBLEM}
    assert create["200"]["content"].keys() == {"application/json"}
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert "HTTPValidationError" not in json.dumps(document)


def test_an_unreadable_body_is_a_documented_400_problem() -> None:
    document = make_app().openapi()
    assert document["paths"]["/things"]["post"]["responses"]["400"]["content"] == {
        "application/problem+json": PROBLEM
    }
    assert "400" not in document["paths"]["/things/{thing_id}"]["get"]["responses"]


async def test_what_the_document_promises_is_what_is_sent() -> None:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        unreadable = await client.post(
            "/things", content=b"\xff\xfe\xfa", headers={"Content-Type": "application/json"}
        )
        invalid = await client.get("/things/abc")
    for response, status in ((unreadable, 400), (invalid, 422)):
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= response.json().keys()
