"""The public edge: security headers on every answer that leaves the gateway, and CORS for the
web apps' browsers.

- `X-Content-Type-Options: nosniff`: a browser never runs a JSON answer as a script or page.
- `X-Frame-Options: DENY`: no other site frames the docs (clickjacking the Authorize dialog).
- `Referrer-Policy: no-referrer`: ids in our URLs never travel to another site.
- `Cache-Control: no-store` on any answer that does not say otherwise: API answers carry personal
  data (profiles, orders, tickets) that no shared or browser cache may keep. An answer that sets
  its own (the public JWKS, the docs' pinned assets) keeps it.

CORS (when origins are configured) is Starlette's, outermost, so that even a 401 or 413 reaches
the browser with its headers. It only acts on requests that carry an `Origin` header; for any
other request all it would do is add `Vary: Origin`, so that a cache never hands an answer
without CORS headers to a browser. That one header is added here instead, in the same pass as
the security headers: the mobile apps and server-side callers (most of the traffic) then skip
its per-request header parsing (about 7% of the gateway's instructions for a forwarded GET).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Header = tuple[bytes, bytes]

EDGE_HEADERS: tuple[Header, ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
_VARY = b"vary"
_ORIGIN = b"origin"


class EdgeMiddleware:
    """`cors`: CORSMiddleware's options, or None for no CORS at all."""

    def __init__(self, app: ASGIApp, *, cors: dict[str, object] | None = None) -> None:
        self.app = app
        self._cors = CORSMiddleware(self._with_edge_headers, **cors) if cors else None  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif self._cors is not None and _has_origin(scope["headers"]):
            await self._cors(scope, receive, send)
        else:
            await self._send_with_headers(scope, receive, send, vary_origin=self._cors is not None)

    async def _with_edge_headers(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._send_with_headers(scope, receive, send, vary_origin=False)

    async def _send_with_headers(
        self, scope: Scope, receive: Receive, send: Send, *, vary_origin: bool
    ) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = edge_headers(message.get("headers", ()), vary_origin=vary_origin)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def edge_headers(headers: Sequence[Header], *, vary_origin: bool) -> list[Header]:
    """`headers` plus the security headers it does not set itself, and with `Origin` added to its
    `Vary` when `vary_origin` (as CORSMiddleware writes it: one `Vary` header, listed in order)."""
    out: list[Header] = []
    present: set[bytes] = set()
    vary: list[bytes] = []
    for name, value in headers:
        lower = name.lower()
        present.add(lower)
        if vary_origin and lower == _VARY:
            vary.append(value)
        else:
            out.append((name, value))
    out += [(name, value) for name, value in EDGE_HEADERS if name not in present]
    if vary_origin:
        out.append((_VARY, b", ".join([*vary, b"Origin"])))
    return out


def _has_origin(headers: Sequence[Header]) -> bool:
    return any(name == _ORIGIN for name, _ in headers)
