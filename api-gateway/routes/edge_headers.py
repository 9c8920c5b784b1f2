"""Security headers on every answer that leaves the gateway, the public edge.

- `X-Content-Type-Options: nosniff`: a browser never runs a JSON answer as a script or page.
- `X-Frame-Options: DENY`: no other site frames the docs (clickjacking the Authorize dialog).
- `Referrer-Policy: no-referrer`: ids in our URLs never travel to another site.
- `Cache-Control: no-store` on any answer that does not say otherwise: API answers carry personal
  data (profiles, orders, tickets) that no shared or browser cache may keep. An answer that sets
  its own (the public JWKS, the docs' pinned assets) keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EDGE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class EdgeHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in EDGE_HEADERS if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
