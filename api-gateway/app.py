"""api-gateway composition root: settings → upstream clients, token verifier, platform docs →
FastAPI app. The gateway keeps no state of its own (no database, no migrations).

Tests build the app through `create_app(settings, transports=...)`, handing in an httpx
transport per service (an in-process stub app), so nothing listens on a port.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from adapters.authentication import Authenticator, build_token_verifier
from adapters.openapi_merge import merge_documents
from adapters.platform_openapi import PlatformOpenApi
from adapters.upstreams import Upstreams
from config import Settings
from domain.access import TIKETQ_ACCESS
from domain.routing import TIKETQ_ROUTES, RoutingTable
from routes.docs import install_platform_docs
from routes.edge_headers import EdgeMiddleware
from routes.metrics import guard_metrics
from routes.proxy import install_proxy
from shared.service_app import create_service_app

VERSION = "0.1.0"
READINESS_TIMEOUT_SECONDS = 2.0

CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]
CORS_EXPOSED_HEADERS = ["X-Request-ID"]
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

PLATFORM_DESCRIPTION = (
    "Every public operation of the TiketQ platform, through the API gateway. "
    "Use **Authorize** to log in (it posts to `/auth/login`); the token then goes with every call."
)


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    openapi_ttl_seconds: float = 60.0,
) -> FastAPI:
    settings = settings or Settings.from_env()
    routing = RoutingTable(TIKETQ_ROUTES)
    access = TIKETQ_ACCESS
    urls = settings.upstreams.urls()
    unrouted = routing.services - set(urls)
    if unrouted:
        raise ValueError(f"no URL for {sorted(unrouted)}")

    def merge_platform(
        documents: Mapping[str, Mapping[str, Any]], unavailable: Sequence[str]
    ) -> dict[str, Any]:
        return merge_documents(
            documents,
            routing=routing,
            access=access,
            unavailable=unavailable,
            title="TiketQ API",
            version=VERSION,
            description=PLATFORM_DESCRIPTION,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upstreams = Upstreams(urls, timeout=settings.upstreams.timeout_seconds, transports=transports)
        verifier = build_token_verifier(
            upstreams.client("auth"),
            jwks_url=settings.jwks_url,
            internal_token=settings.internal.token.get_secret_value(),
            issuer=settings.jwt.issuer,
            audience=settings.jwt.audience,
            account_state_ttl=settings.jwt.account_state_ttl_seconds,
            leeway=settings.jwt.leeway_seconds,
        )
        app.state.upstreams = upstreams
        app.state.token_verifier = verifier
        app.state.authenticator = Authenticator(verifier)
        app.state.platform_openapi = PlatformOpenApi(upstreams, merge_platform, ttl=openapi_ttl_seconds)
        try:
            yield
        finally:
            await upstreams.aclose()

    async def readiness(app: FastAPI) -> None:
        # The gateway can serve nothing but public routes without auth-service.
        response = await app.state.upstreams.client("auth").get("/healthz", timeout=READINESS_TIMEOUT_SECONDS)
        response.raise_for_status()

    app = create_service_app(
        name="api-gateway",
        title="TiketQ API Gateway",
        version=VERSION,
        description=(
            "The single entry point of TiketQ: routes each path prefix to its service, checks "
            "bearer tokens first, and serves the merged platform document at /openapi.json."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
    )
    install_platform_docs(app)
    guard_metrics(app, settings.internal.token.get_secret_value())
    # Outside the shell's middleware, so that its own answers (413, 500) carry the headers too;
    # CORS outermost, so that even a 401 or 413 reaches the browser with its CORS headers.
    cors = (
        {
            "allow_origins": settings.cors.origins,
            "allow_methods": CORS_METHODS,
            "allow_headers": CORS_ALLOWED_HEADERS,
            "expose_headers": CORS_EXPOSED_HEADERS,
            "max_age": 600,
        }
        if settings.cors.origins
        else None
    )
    app.add_middleware(EdgeMiddleware, cors=cors)
    install_proxy(app, routing, access)
    return app
