"""Small stand-ins for the services behind the gateway, driven in-process through
httpx.ASGITransport: an auth-service that serves a JWKS and account states, and echo services
that answer with what they received."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from testkit.keys import TestKeys

INTERNAL_TOKEN = "gateway-tests-internal-token-0123456789abcdef"


@dataclass
class Received:
    """What a stub service saw, in order."""

    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


async def echo(request: Request, service: str, received: Received) -> Response:
    """Answers every request with what arrived, as JSON, plus a few special paths."""
    body = await request.body()
    seen = {
        "service": service,
        "method": request.method,
        "path": request.url.path,
        "raw_path": request.scope.get("raw_path", b"").decode("latin-1").partition("?")[0],
        "query": request.scope.get("query_string", b"").decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
        "body": body.decode("utf-8", "replace"),
    }
    received.requests.append(seen)
    last = request.url.path.rsplit("/", 1)[-1]
    if last == "slow":
        await asyncio.sleep(30)
    if last == "created":
        response = JSONResponse(seen, status_code=201, headers={"X-Upstream": "yes", "Connection": "close"})
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response
    if last == "cached":
        return JSONResponse(seen, headers={"Cache-Control": "public, max-age=300"})
    if last == "varied":
        return JSONResponse(seen, headers={"Vary": "Accept-Encoding"})
    if last == "gzipped":
        return Response(
            gzip.compress(b'{"compressed": true}'),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    if last == "redirect":
        # Like FastAPI's slash redirect: an absolute URL built from the Host it was called with.
        return Response(status_code=307, headers={"Location": f"{request.base_url}{service}/elsewhere?x=1"})
    if last == "empty":
        return Response(status_code=204)
    return JSONResponse(seen, headers={"X-Upstream": service})


def echo_service(name: str, received: Received, app: FastAPI | None = None) -> FastAPI:
    app = app or FastAPI(title=f"stub {name}")

    @app.api_route(
        "/{path:path}",
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        include_in_schema=False,
    )
    async def anything(request: Request) -> Response:
        return await echo(request, name, received)

    return app


@dataclass
class AccountRecord:
    role: str = "user"
    is_active: bool = True
    token_version: int = 0


class StubAuth:
    """auth-service as the gateway sees it: JWKS, internal account state, health, and echo."""

    def __init__(self, keys: TestKeys) -> None:
        self.keys = keys
        self.accounts: dict[str, AccountRecord] = {}
        self.received = Received()
        self.jwks_fetches = 0
        self.state_lookups = 0
        self.app = self._build()

    def add_account(self, account_id: str, role: str = "user") -> AccountRecord:
        record = AccountRecord(role=role)
        self.accounts[account_id] = record
        return record

    def _build(self) -> FastAPI:
        app = FastAPI(title="stub auth", version="9.9.9")

        class Account(BaseModel):
            id: str
            email: str
            role: str

        @app.get("/healthz", include_in_schema=False)
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/auth/.well-known/jwks.json")
        async def jwks() -> dict[str, Any]:
            self.jwks_fetches += 1
            return self.keys.jwks()

        @app.get("/internal/accounts/{account_id}")
        async def account_state(
            account_id: str, x_internal_token: str | None = Header(default=None)
        ) -> JSONResponse:
            if x_internal_token != INTERNAL_TOKEN:
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            self.state_lookups += 1
            await asyncio.sleep(0.01)  # a look-up takes a while, as over the network
            record = self.accounts.get(account_id)
            if record is None:
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            return JSONResponse(
                {
                    "id": account_id,
                    "email": f"{account_id}@example.com",
                    "role": record.role,
                    "is_active": record.is_active,
                    "token_version": record.token_version,
                }
            )

        @app.get("/auth/users/{account_id}", response_model=Account)
        async def user(account_id: str) -> Account:
            return Account(id=account_id, email="x@example.com", role="user")

        return echo_service("auth", self.received, app)
