"""Helpers for the Midtrans tests: the sandbox with chosen Midtrans settings, a real local HTTP
receiver for notifications, and Snap/page shortcuts. (Its one test checks the receiver itself.)"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import create_app
from config import KnobSettings, MidtransSettings, SandboxSettings, Settings
from shared.settings import RuntimeSettings
from testkit.asgi import running_app

SERVER_KEY = "SB-Mid-server-test-key-0123456789"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()}
JSON = {"Accept": "application/json"}


def settings(**midtrans: Any) -> Settings:
    midtrans.setdefault("server_key", SERVER_KEY)
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_LEVEL="WARNING", LOG_JSON=False),
        sandbox=SandboxSettings(),
        amadeus_knobs=KnobSettings(),
        duffel_knobs=KnobSettings(),
        midtrans=MidtransSettings(**midtrans),
    )


_APPS: dict[int, FastAPI] = {}


@asynccontextmanager
async def sandbox(**midtrans: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox app in-process with these Midtrans settings (`server_key` defaults to SERVER_KEY)."""
    app = create_app(settings(**midtrans))
    async with running_app(app, base_url="http://sandbox.test") as client:
        _APPS[id(client)] = app
        try:
            yield client
        finally:
            del _APPS[id(client)]


def expected_signature(body: dict[str, Any], server_key: str = SERVER_KEY) -> str:
    raw = f"{body['order_id']}{body['status_code']}{body['gross_amount']}{server_key}"
    return hashlib.sha512(raw.encode()).hexdigest()


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 recording what it is sent; `answers` scripts the statuses
    of the next requests (then 200)."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: Request) -> Response:
        self.received.append({"body": json.loads(await request.body()), "headers": dict(request.headers)})
        self.arrived.set()
        status = self.answers.pop(0) if self.answers else 200
        headers = {"Location": "http://127.0.0.1:9/elsewhere"} if 300 <= status < 400 else None
        return JSONResponse({"ok": status < 300}, status_code=status, headers=headers)

    def bodies(self, order_id: str | None = None) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received if order_id is None or r["body"]["order_id"] == order_id]

    def statuses(self, order_id: str | None = None) -> list[str]:
        return [b["transaction_status"] for b in self.bodies(order_id)]

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    rx = Receiver()
    app = Starlette(routes=[Route("/hook", rx.handle, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(5):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    rx.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield rx
    finally:
        server.should_exit = True
        await task


def snap_body(order_id: str = "PAY-1", gross: Any = 1500000, **extra: Any) -> dict[str, Any]:
    return {
        "transaction_details": {"order_id": order_id, "gross_amount": gross},
        "item_details": [
            {"id": "FL-1", "name": "CGK-DPS GA 404", "price": 1400000, "quantity": 1},
            {"id": "FEE", "name": "Service fee", "price": 50000, "quantity": 2},
        ],
        "customer_details": {"first_name": "Siti", "last_name": "Rahayu", "email": "siti@example.id"},
        **extra,
    }


async def create_snap(
    client: httpx.AsyncClient, order_id: str = "PAY-1", headers: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    body = snap_body(order_id, **extra)
    r = await client.post("/midtrans/snap/v1/transactions", json=body, headers={**AUTH, **(headers or {})})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def page_action(client: httpx.AsyncClient, token: str, action: str, **fields: Any) -> httpx.Response:
    return await client.post(f"/midtrans/snap/v2/vtweb/{token}/{action}", json=fields, headers=JSON)


async def status(client: httpx.AsyncClient, order_id: str) -> httpx.Response:
    return await client.get(f"/midtrans/v2/{order_id}/status", headers=AUTH)


async def idle(client: httpx.AsyncClient) -> None:
    """Waits for the sandbox's notifier to be done (no queue, no pending retry)."""
    await _APPS[id(client)].state.sandbox.midtrans.notifier.idle()


async def test_the_receiver_records_and_answers_as_scripted() -> None:
    async with receiver() as rx, httpx.AsyncClient() as http:
        rx.answers = [503]
        first = await http.post(rx.url, json={"order_id": "x"})
        second = await http.post(rx.url, json={"order_id": "y"})
    assert (first.status_code, second.status_code) == (503, 200)
    assert [b["order_id"] for b in rx.bodies()] == ["x", "y"]
