"""The gateway's /metrics, for the platform's own scraper only.

The gateway is the public edge: its traffic counters (every route and how often it is called)
are no business of the outside world. A scraper presents the internal token in
`X-Internal-Token` (Prometheus' `http_headers` scrape option); anyone else gets the 404 an
unknown route gets, as the services' `/internal/...` routes answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.internal import require_internal

METRICS_PATH = "/metrics"


def guard_metrics(app: FastAPI, internal_token: str) -> None:
    """Swaps the shell's open /metrics route for one that asks for the internal token."""
    app.state.internal_token = internal_token
    for index, existing in enumerate(app.router.routes):
        if isinstance(existing, Route) and existing.path == METRICS_PATH:
            app.router.routes[index] = Route(
                METRICS_PATH, _guarded(existing.endpoint), methods=["GET"], include_in_schema=False
            )
            return
    raise ValueError("the service shell serves no /metrics to guard")


Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(serve_metrics: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        await require_internal(request, request.headers.get("x-internal-token"))
        return await serve_metrics(request)

    return guarded
