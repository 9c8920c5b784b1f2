"""The catch-all that forwards a request to the service that owns its path.

In order: refuse what is never routed (404), check the bearer token (401, or 503/504 when
auth-service cannot say), read the capped body, forward, and hand back the service's status,
headers and body. Header values go on without their surrounding whitespace (a client's
`Authorization: Bearer ` is `Bearer`); the Authorization header is otherwise unchanged: services
verify it again.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.access import AccessRules, bearer_token
from domain.forwarding import InvalidHeaderValue, client_response_headers, upstream_request_headers
from domain.ports import Forwarder, TokenCheck
from domain.routing import RoutingTable, first_segment, inspect_path
from shared.errors import ProblemError, response_for
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
    """Installs the proxy twice, as one ASGI app. First, for the paths under a routed prefix
    (`/auth/...`, `/flights/...`): a layer just inside the service shell takes them straight to
    the proxy, so no router, exception-handler or exit-stack layers and no request or response
    objects are built around the forwarding. Last, as the router's catch-all for everything the
    gateway's own routes did not take (unrouted paths are its 404, TRACE its 405). Neither
    appears in the gateway's schema: the platform document describes what lies behind it."""
    proxy = Proxy(routing, access)
    own_first_segments = {
        first_segment(route.path) for route in app.router.routes if isinstance(route, Route)
    }
    clash = own_first_segments & routing.first_segments
    if clash:
        raise ValueError(f"the gateway's own routes sit under routed prefixes: {sorted(clash)}")
    # Innermost of the app's middleware: inside the shell (request id, metrics, body cap), the
    # edge headers and CORS, as the router was.
    app.user_middleware.append(Middleware(RoutedPrefixes, proxy=proxy, first_segments=routing.first_segments))
    app.router.routes.append(Route(PROXY_PATH, proxy, methods=PROXY_METHODS, include_in_schema=False))


class RoutedPrefixes:
    """Takes a request to the proxy when its path's first segment is one the routing table
    routes and its method is forwarded; otherwise hands it on to the app. A problem the proxy
    raises is answered here as the app's handlers would (shared.errors.response_for); anything
    else goes on up to the shell and the app's handler for the unexpected, as from a route."""

    path = PROXY_PATH  # the route template metrics record: the same as the catch-all's

    def __init__(self, app: ASGIApp, *, proxy: Proxy, first_segments: frozenset[str]) -> None:
        self.app = app
        self._proxy = proxy
        self._first_segments = first_segments
        self._methods = frozenset(PROXY_METHODS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in self._methods
            or first_segment(_route_path(scope)) not in self._first_segments
        ):
            await self.app(scope, receive, send)
            return
        scope["route"] = self
        try:
            await self._proxy(scope, receive, send)
        except ProblemError as problem:
            await response_for(problem)(scope, receive, send)


class Proxy:
    """The forwarding itself, as an ASGI app (errors leave as `ProblemError`, which the
    service shell answers as problem+json)."""

    def __init__(self, routing: RoutingTable, access: AccessRules) -> None:
        self.routing = routing
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        raw_path = _raw_path(scope)
        path = inspect_path(raw_path)
        service = self.routing.service_for(path) if path is not None else None
        if path is None or service is None:
            raise ProblemError(404, "not-found", "No such route.")

        token = bearer_token(_authorization(scope["headers"]))
        state = scope["app"].state
        if token is not None and self.access.checks_token(method, path):
            authenticator: TokenCheck = state.authenticator
            await authenticator.authenticate(token)
        elif token is None and not self.access.is_public(method, path):
            raise unauthorized()

        try:
            body = await _read_body(receive)
        except ClientDisconnect:
            logger.info("client went away while sending %s %s", method, path)
            await Response(status_code=CLIENT_CLOSED_REQUEST)(scope, receive, send)
            return

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
        await send({"type": "http.response.start", "status": reply.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": reply.body})


async def _read_body(receive: Receive) -> bytes:
    """The whole request body (capped by the shell's body limit); ClientDisconnect when the
    client leaves first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _route_path(scope: Scope) -> str:
    """The decoded path below the app's root path, as the router matches it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


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
