"""The FastAPI shell every service shares: logging, request ids, body cap, metrics,
problem+json errors, and the /healthz, /readyz and /metrics operations."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig
from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

from shared.errors import ProblemSpec, install_problem_handlers, problem_response
from shared.heap import startup_heap_frozen
from shared.logging import configure_logging, flush_logs
from shared.metrics import HttpMetrics
from shared.middleware import ServiceShellMiddleware
from shared.settings import RuntimeSettings

ReadinessCheck = Callable[[FastAPI], Awaitable[None]]

logger = logging.getLogger("shared.service_app")


# The platform observes itself through /metrics and its JSON logs. FastAPI's own OpenTelemetry
# instrumentation stays dormant unless a provider is configured, yet on every request it asks the
# three global providers whether one is, which costs about as much as the shell's own middleware.
# So it is off unless the environment asks for OpenTelemetry (OTEL_* or FastAPI's auto-setup).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def opentelemetry_requested(environ: Mapping[str, str] = os.environ) -> bool:
    return any(key.startswith("OTEL_") for key in environ) or (
        environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true"
    )


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
        lifespan=_with_startup_heap_frozen(lifespan),
        openapi_tags=openapi_tags,
        swagger_ui_parameters={"persistAuthorization": True},
        telemetry=None if opentelemetry_requested() else NO_TELEMETRY,
    )
    app.state.service_name = name
    metrics = HttpMetrics(name)
    # One layer for request ids, the access log, metrics and the body cap (shared/middleware.py).
    app.add_middleware(ServiceShellMiddleware, max_bytes=runtime.max_body_bytes, metrics=metrics)
    install_problem_handlers(app, error_map)

    # Plain Starlette routes, not FastAPI operations: they are in no schema, and FastAPI's
    # routes cost more to skip, which every request to the service's own routes does.
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": name})

    async def readyz(request: Request) -> Response:
        if readiness is not None:
            try:
                await readiness(request.app)
            except Exception as exc:  # readiness reports any failure; it never raises
                # What failed and why goes to the log only: an exception's class or message tells
                # an outsider which libraries and hosts sit behind the service.
                logger.warning("not ready: %s: %s", type(exc).__name__, exc)
                return problem_response(503, "not-ready", f"{name} is not ready; its log says why.")
        return JSONResponse({"status": "ready", "service": name})

    app.router.routes += [
        _LabelledRoute("/healthz", healthz, methods=["GET"], include_in_schema=False),
        _LabelledRoute("/readyz", readyz, methods=["GET"], include_in_schema=False),
    ]
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    if not opentelemetry_requested():
        _group_static_routes_at_startup(app)
    return app


def _with_startup_heap_frozen(
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The service's lifespan, with what it built at start frozen out of the collector's full
    passes while the app serves (shared.heap): a full collection then stalls no request for tens
    of milliseconds. As it stops, the log lines still waiting are written (shared.logging)."""

    @asynccontextmanager
    async def serving(app: FastAPI) -> AsyncIterator[None]:
        try:
            if lifespan is None:
                with startup_heap_frozen():
                    yield
                return
            async with lifespan(app):
                with startup_heap_frozen():
                    yield
        finally:
            flush_logs()  # what the last requests and the shutdown logged, before the process ends

    return serving


class _LabelledRoute(Route):
    """A Starlette route that, like FastAPI's, leaves itself in the scope when it matches, so
    that metrics label its requests by its path rather than as unmatched."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


_PLAIN_ROUTES = (Route, _LabelledRoute)


class _StaticRoutes(BaseRoute):
    """Consecutive plain routes with fixed, distinct paths, found with one dict look-up instead
    of one regular expression each. FastAPI's docs routes and the shell's probes come first in
    every service's list, so each request to the service's own routes used to try all seven.

    The answer is the same route as before: at most one member can match a path (a fixed path's
    pattern is `^path$`, which also takes a trailing newline), and that member's own `matches`
    decides, so a method it does not allow is still a partial match (405) that lets later
    routes try."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._by_path = {route.path: route for route in routes}

    def _member(self, scope: Scope) -> Route | None:
        path = get_route_path(scope)
        return self._by_path.get(path[:-1] if path.endswith("\n") else path)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        route = self._member(scope) if scope["type"] == "http" else None
        return (Match.NONE, {}) if route is None else route.matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._member(scope)
        assert route is not None  # the router calls handle only after matches took the path
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


def _static(route: BaseRoute) -> bool:
    if type(route) not in _PLAIN_ROUTES:
        return False  # a subclass may match otherwise; FastAPI's routes and mounts do
    assert isinstance(route, Route)
    return not route.param_convertors and not route.path.endswith("\n")


def group_static_routes(routes: list[BaseRoute]) -> list[BaseRoute]:
    """`routes` with each run of two or more consecutive fixed-path plain routes as one."""
    grouped: list[BaseRoute] = []
    run: list[Route] = []

    def flush() -> None:
        grouped.extend([_StaticRoutes(run[:])] if len(run) > 1 else run)
        run.clear()

    for route in routes:
        if not _static(route):
            flush()
            grouped.append(route)
            continue
        assert isinstance(route, Route)  # _static said so
        if any(member.path == route.path for member in run):
            flush()  # the same path twice: the first may leave a method to the second
        run.append(route)
    flush()
    return grouped


def _group_static_routes_at_startup(app: FastAPI) -> None:
    """Groups the routes once they are all in place (services add theirs, and the gateway swaps
    some of the shell's, after `create_service_app`): when the app starts. Only without
    OpenTelemetry, whose route attribute reads the matched route's own path."""
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        app.router.routes[:] = group_static_routes(app.router.routes)
        async with started(app) as state:
            yield state

    app.router.lifespan_context = lifespan
