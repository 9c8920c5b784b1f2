"""What the gateway's routes need from the outside world, as ports.

The adapters implement them (adapters/authentication.py, adapters/upstreams.py,
adapters/platform_openapi.py) and app.py, the composition root, puts the instances on
`app.state`; routes only know these shapes, so they never import an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from domain.forwarding import Header


@dataclass(frozen=True, slots=True)
class UpstreamReply:
    status: int
    headers: list[Header]  # as the service sent them (names in their original case)
    body: bytes  # undecoded: Content-Encoding passes through untouched
    # scheme://host[:port] of the instance that answered, as it would write it in a Location header
    origin: bytes = b""


class TokenCheck(Protocol):
    async def authenticate(self, token: str) -> object:
        """Accepts a bearer token or raises the problem the caller should see (401, or
        502/503/504 when auth-service cannot say)."""
        ...


class Forwarder(Protocol):
    async def forward(
        self, service: str, method: str, target: str, headers: list[Header], body: bytes
    ) -> UpstreamReply:
        """Sends one request (`target` is the raw path and query) to one of the service's
        instances and reads the whole answer."""
        ...


class PlatformDocument(Protocol):
    async def document(self) -> dict[str, Any]:
        """The merged OpenAPI document of every service behind the gateway."""
        ...
