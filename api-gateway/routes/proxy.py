"""The catch-all that forwards a request to the service that owns its path.

In order: refuse what is never routed (404), check the bearer token (401, or 503/504 when
auth-service cannot say), read the capped body, forward, and hand back the service's status,
headers and body. Header values go on without their surrounding whitespace (a client's
`Authorization: Bearer ` is `Bearer`); the Authorization header is otherwise unchanged: services
verify it again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from domain.access import AccessRules, bearer_token
from domain.forwarding import InvalidHeaderValue, client_response_headers, upstream_request_headers
from domain.ports import Forwarder, TokenCheck
from domain.routing import RoutingTable, inspect_path
from shared.errors import ProblemError
from shared.logging import request_id_var
from shared.security import unauthorized

logger = logging.getLogger("gateway.proxy")

PROXY_PATH = "/{path:path}"
# TRACE and CONNECT are never forwarded (405): they only help attacks on the hops in between.
PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# nginx's name for "the client went away before we answered": only logs ever see it.
CLIENT_CLOSED_REQUEST = 499
_NO_BODY_STATUSES = frozenset({204, 304})


def install_proxy(app: FastAPI, routing: RoutingTable, access: AccessRules) -> None:
    """Registers the catch-all last, after the gateway's own routes; it stays out of the
    gateway's schema (the platform document describes what lies behind it)."""
    app.router.add_route(
        PROXY_PATH, proxy_endpoint(routing, access), methods=PROXY_METHODS, include_in_schema=False
    )


def proxy_endpoint(routing: RoutingTable, access: AccessRules) -> Callable[[Request], Awaitable[Response]]:
    async def proxy(request: Request) -> Response:
        scope = request.scope
        method: str = scope["method"]
        raw_path = _raw_path(scope)
        path = inspect_path(raw_path)
        service = routing.service_for(path) if path is not None else None
        if path is None or service is None:
            raise ProblemError(404, "not-found", "No such route.")

        token = bearer_token(_authorization(scope["headers"]))
        state = request.app.state
        if token is not None and access.checks_token(method, path):
            authenticator: TokenCheck = state.authenticator
            await authenticator.authenticate(token)
        elif token is None and not access.is_public(method, path):
            raise unauthorized()

        try:
            body = await request.body()
        except ClientDisconnect:
            logger.info("client went away while sending %s %s", method, path)
            return Response(status_code=CLIENT_CLOSED_REQUEST)

        query: bytes = scope.get("query_string", b"")
        target = f"{raw_path}?{query.decode('latin-1')}" if query else raw_path
        client = scope.get("client")
        try:
            headers = upstream_request_headers(
                scope["headers"],
                client_host=client[0] if client else None,
                scheme=scope.get("scheme", "http"),
                request_id=request_id_var.get(),
            )
        except InvalidHeaderValue as exc:
            # The client's own bytes: a 4xx that names the header, never a 502 from the hop.
            detail = f"The {exc.name} header holds a control character."
            raise ProblemError(400, "invalid-header", detail) from exc
        upstreams: Forwarder = state.upstreams
        reply = await upstreams.forward(service, method, target, headers, body)

        response_headers = client_response_headers(reply.headers, upstream_origin=reply.origin)
        if method == "HEAD":
            # No body comes back, but the length is the one a GET would have.
            response_headers += [(k.lower(), v) for k, v in reply.headers if k.lower() == b"content-length"]
        elif reply.status >= 200 and reply.status not in _NO_BODY_STATUSES:
            response_headers.append((b"content-length", str(len(reply.body)).encode()))
        response = Response(status_code=reply.status)
        response.body = reply.body
        response.raw_headers = response_headers
        return response

    return proxy


def _raw_path(scope: Scope) -> str:
    """The path exactly as the client sent it (still percent-encoded), without the query.

    Servers disagree on whether `raw_path` holds the query too, so it is cut off here.
    """
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.partition(b"?")[0].decode("latin-1")
    path = scope.get("path")
    return path if isinstance(path, str) else "/"


def _authorization(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            return value.decode("latin-1")
    return None
