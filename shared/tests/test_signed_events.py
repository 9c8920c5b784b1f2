"""The receiving side of signed events: the signature is checked over the raw body before
anything is parsed, and a bad envelope is a 422 pointing into the body."""

from __future__ import annotations

import json
import time
import uuid
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI

from shared.errors import install_problem_handlers
from shared.signed_events import parse_envelope, signed_body
from shared.signing import signed_headers

SECRET = "a-test-secret-of-at-least-thirty-two-chars"


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.events_secret = SECRET

    @app.post("/events")
    async def receive(
        body: Annotated[bytes, Depends(signed_body("events_secret", "test event"))],
    ) -> dict[str, str]:
        return {"topic": parse_envelope(body).topic}

    return app


def envelope() -> bytes:
    event = {
        "event_id": str(uuid.uuid4()),
        "topic": "payment.status_changed",
        "occurred_at": "2026-11-27T03:00:00+00:00",
        "data": {},
    }
    return json.dumps(event).encode()


async def post(body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/events", content=body, headers=headers)


async def test_a_signed_event_is_accepted() -> None:
    body = envelope()
    response = await post(body, signed_headers(SECRET, body, "e1"))
    assert response.status_code == 200
    assert response.json() == {"topic": "payment.status_changed"}


async def test_wrong_stale_or_missing_signatures_are_the_same_401() -> None:
    body = envelope()
    wrong = signed_headers("another-secret-of-at-least-thirty-two-chars", body, "e1")
    stale = signed_headers(SECRET, body, "e1", now=time.time() - 3600)
    tampered = signed_headers(SECRET, body, "e1")
    for headers, content in ((wrong, body), (stale, body), ({}, body), (tampered, body + b" ")):
        response = await post(content, headers)
        assert response.status_code == 401
        assert response.json()["type"].endswith("/invalid-signature")


async def test_a_signed_but_malformed_envelope_is_422_into_the_body() -> None:
    body = json.dumps({"topic": "x"}).encode()
    response = await post(body, signed_headers(SECRET, body, "e1"))
    assert response.status_code == 422
    locations = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert ("body", "event_id") in locations


async def test_a_timestamp_header_with_a_non_ascii_digit_byte_is_401_not_500() -> None:
    body = envelope()
    headers = {name.encode(): value.encode() for name, value in signed_headers(SECRET, body, "e1").items()}
    headers[b"X-TiketQ-Timestamp"] = b"17\xb2"  # Latin-1 "17²": isdigit() is true, int() fails
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/events", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["type"].endswith("/invalid-signature")
