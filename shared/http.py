"""The one way services build outbound HTTP clients: pooled, with explicit timeouts,
the current request id on every call, and transport failures mapped to 502/503/504 problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from shared.errors import ProblemError
from shared.logging import request_id_var


async def _propagate_request_id(request: httpx.Request) -> None:
    request_id = request_id_var.get()
    if request_id and "x-request-id" not in request.headers:
        request.headers["x-request-id"] = request_id


def make_client(
    base_url: str = "",
    *,
    timeout: float = 5.0,
    connect_timeout: float = 2.0,
    max_connections: int = 100,
    headers: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """One client per target, created in the lifespan and closed on shutdown.

    The client keeps no cookies: it is shared by every request a service serves, so a cookie
    one upstream answer set must never ride along on another caller's request.
    """
    return httpx.AsyncClient(
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        headers=headers,
        event_hooks={"request": [_propagate_request_id]},
        transport=transport,
    )


@asynccontextmanager
async def upstream_errors(service: str) -> AsyncIterator[None]:
    """Turns transport failures into the problem a caller should see: 503 unreachable, 504 too
    slow, 502 not HTTP (docs/architecture.md, HTTP conventions)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise ProblemError(504, "upstream-timeout", f"{service} did not answer in time.") from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.NetworkError) as exc:
        raise ProblemError(503, "upstream-unavailable", f"{service} is unavailable.") from exc
