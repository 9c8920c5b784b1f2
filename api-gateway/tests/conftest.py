"""The gateway in-process, in front of stub services reached through httpx.ASGITransport."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app import create_app
from config import DEFAULT_SERVICE_URLS, CorsSettings, Settings, UpstreamSettings
from shared.settings import InternalSettings, JwtVerifySettings, RuntimeSettings
from shared.upstream_urls import primary_url
from testkit.keys import TestKeys
from tests.stubs import INTERNAL_TOKEN, Received, StubAuth, echo_service

SERVICES = tuple(DEFAULT_SERVICE_URLS)
CLIENT_ADDRESS = ("203.0.113.7", 50123)
WEB_APP_ORIGIN = "https://app.tiketq.id"
MAX_BODY_BYTES = 4096
ACCOUNT_STATE_TTL = 0.3


@dataclass
class Platform:
    """The stub services behind the gateway and a way to mint tokens they accept."""

    keys: TestKeys
    auth: StubAuth
    received: dict[str, Received]

    def login(self, role: str = "user") -> tuple[str, dict[str, str]]:
        account_id = str(uuid.uuid4())
        self.auth.add_account(account_id, role)
        return account_id, {"Authorization": f"Bearer {self.keys.mint(account_id, role)}"}

    def transports(self) -> dict[str, httpx.AsyncBaseTransport]:
        transports: dict[str, httpx.AsyncBaseTransport] = {"auth": httpx.ASGITransport(app=self.auth.app)}
        for name in SERVICES:
            if name != "auth":
                transports[name] = httpx.ASGITransport(app=echo_service(name, self.received[name]))
        return transports


@pytest.fixture
def platform(test_keys: TestKeys) -> Platform:
    return Platform(test_keys, StubAuth(test_keys), {name: Received() for name in SERVICES})


@pytest.fixture(scope="session")
def refused_url() -> Iterator[str]:
    """A local port that is bound but never listens: connecting is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def make_settings(**upstream_overrides: Any) -> Settings:
    upstream_env: dict[str, Any] = {f"{name.upper()}_SERVICE_URL": f"http://{name}.test" for name in SERVICES}
    upstream_env.update(upstream_overrides)
    # Given explicitly, so a JWT_JWKS_URL in the environment cannot leak into the tests.
    jwks_url = f"{primary_url(upstream_env['AUTH_SERVICE_URL'])}/auth/.well-known/jwks.json"
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False, MAX_BODY_BYTES=MAX_BODY_BYTES),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=INTERNAL_TOKEN, AUTH_SERVICE_URL="http://auth.test"),  # type: ignore[call-arg,arg-type]
        jwt=JwtVerifySettings(
            account_state_ttl_seconds=ACCOUNT_STATE_TTL,
            jwks_url=jwks_url,
        ),
        upstreams=UpstreamSettings(**upstream_env),  # type: ignore[arg-type]
        cors=CorsSettings(CORS_ORIGINS=WEB_APP_ORIGIN),  # type: ignore[call-arg]
    )


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running, called from a fixed client address."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client


GatewayFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def start_gateway(platform: Platform) -> GatewayFactory:
    """`async with start_gateway(settings=..., transports=...) as client:`; defaults: every
    service is a stub."""

    def start(
        settings: Settings | None = None,
        transports: dict[str, httpx.AsyncBaseTransport] | None = None,
        **options: Any,
    ) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        app = create_app(
            settings or make_settings(),
            transports=platform.transports() if transports is None else transports,
            **options,
        )
        return serve(app)

    return start


@pytest.fixture
async def gateway(start_gateway: GatewayFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with start_gateway() as client:
        yield client
