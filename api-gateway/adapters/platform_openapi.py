"""Fetches every service's /openapi.json and keeps the merged platform document for a while.

A service that is down (or answers slowly, or with something that is not a document) is left
out and named in `x-tiketq-unavailable`; such a partial document is kept only briefly, so the
docs heal soon after the service comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from adapters.upstreams import Upstreams

logger = logging.getLogger("gateway.openapi")

Merge = Callable[[Mapping[str, Mapping[str, Any]], Sequence[str]], dict[str, Any]]


class PlatformOpenApi:
    def __init__(
        self,
        upstreams: Upstreams,
        merge: Merge,
        *,
        ttl: float = 60.0,
        partial_ttl: float = 5.0,
        fetch_timeout: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._upstreams = upstreams
        self._merge = merge
        self._ttl = ttl
        self._partial_ttl = min(partial_ttl, ttl)
        self._fetch_timeout = fetch_timeout
        self._clock = clock
        self._document: dict[str, Any] | None = None
        self._expires_at = float("-inf")
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        if self._document is not None and self._clock() < self._expires_at:
            return self._document
        async with self._lock:  # one fetch for everyone who asks while it runs
            if self._document is None or self._clock() >= self._expires_at:
                names = self._upstreams.names
                fetched = await asyncio.gather(*(self._fetch(name) for name in names))
                documents = {name: doc for name, doc in zip(names, fetched, strict=True) if doc is not None}
                unavailable = [name for name in names if name not in documents]
                self._document = self._merge(documents, unavailable)
                self._expires_at = self._clock() + (self._partial_ttl if unavailable else self._ttl)
            return self._document

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        client = self._upstreams.client(service)
        try:
            async with asyncio.timeout(self._fetch_timeout):
                response = await client.get("/openapi.json", timeout=self._fetch_timeout)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, TimeoutError, ValueError) as exc:
            logger.warning("no OpenAPI document from %s-service: %r", service, exc)
            return None
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            logger.warning("%s-service's /openapi.json is not an OpenAPI document", service)
            return None
        return document
