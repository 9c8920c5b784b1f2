"""Drive an app in-process with its lifespan running, over httpx (no network)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def running_app(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def as_fastapi_writes(model: object, answer: object) -> httpx.Response:
    """`answer` served as FastAPI serves a route with `response_model=model`: validated and
    encoded by FastAPI itself, to compare a route's pre-encoded bytes with."""
    reference = FastAPI()

    @reference.get("/answer", response_model=model)
    async def route() -> object:
        return answer

    transport = httpx.ASGITransport(app=reference)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference") as client:
        return await client.get("/answer")
