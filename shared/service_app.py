"""The FastAPI shell every service shares: logging, request ids, body cap, metrics,
problem+json errors, and the /healthz, /readyz and /metrics operations."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.errors import ProblemSpec, install_problem_handlers, problem_response
from shared.logging import configure_logging
from shared.metrics import HttpMetrics
from shared.middleware import ServiceShellMiddleware
from shared.settings import DatabaseSettings, RuntimeSettings

ReadinessCheck = Callable[[FastAPI], Awaitable[None]]

logger = logging.getLogger("shared.service_app")


def create_service_app(
    *,
    name: str,
    title: str,
    version: str,
    description: str,
    runtime: RuntimeSettings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    readiness: ReadinessCheck | None = None,
    error_map: Mapping[type[Exception], ProblemSpec] | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
) -> FastAPI:
    configure_logging(name, runtime.log_level, runtime.log_json)
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.service_name = name
    metrics = HttpMetrics(name)
    # One layer for request ids, the access log, metrics and the body cap (shared/middleware.py).
    app.add_middleware(ServiceShellMiddleware, max_bytes=runtime.max_body_bytes, metrics=metrics)
    install_problem_handlers(app, error_map)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        if readiness is not None:
            try:
                await readiness(request.app)
            except Exception as exc:  # readiness reports any failure; it never raises
                # What failed and why goes to the log only: an exception's class or message tells
                # an outsider which libraries and hosts sit behind the service.
                logger.warning("not ready: %s: %s", type(exc).__name__, exc)
                return problem_response(503, "not-ready", f"{name} is not ready; its log says why.")
        return JSONResponse({"status": "ready", "service": name})

    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    return app


def create_database_service_app(
    *,
    name: str,
    title: str,
    version: str,
    description: str,
    runtime: RuntimeSettings,
    database: DatabaseSettings,
) -> FastAPI:
    """A service whose one dependency is its own database: the shell a service starts as, with
    the engine built in the lifespan (never at import) and readiness that pings the database.
    SQLAlchemy is imported here, not at the top: the gateway and the sandbox have no database and
    use this module, and SQLAlchemy's import is tens of MiB in each process."""
    from shared.db import create_engine, ping

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(database)
        try:
            yield
        finally:
            await app.state.engine.dispose()

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.engine)

    return create_service_app(
        name=name,
        title=title,
        version=version,
        description=description,
        runtime=runtime,
        lifespan=lifespan,
        readiness=readiness,
    )
