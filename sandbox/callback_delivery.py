"""What every provider's callbacks share in the sandbox: background deliveries that a reset can
cancel and a shutdown awaits, one pooled client that follows no redirects (a provider posts to the
URL it was given, nowhere else), POST with retries on a schedule of delays, and a bounded log of
every attempt for tests and people to read. Each provider keeps only its body, headers and keys."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import httpx

from shared.http_pool import pooled_transport

LOG_SIZE = 2000

# Per attempt: the headers to send, and fields that attempt adds to its log entry.
AttemptHeaders = Callable[[], tuple[dict[str, str], dict[str, Any]]]


class CallbackDeliveries:
    def __init__(
        self,
        timeout_seconds: float,
        schedule: tuple[float, ...],
        logger: logging.Logger,
        user_agent: str | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.schedule = schedule
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._logger = logger
        self._user_agent = user_agent
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def reset(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.log.clear()

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        self.reset()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self, timeout: float = 10.0) -> None:
        """Waits until nothing is being sent or waiting to retry (tests)."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"User-Agent": self._user_agent} if self._user_agent else None
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
                headers=headers,
                transport=pooled_transport(),  # kept connections cost less per callback
            )
        return self._client

    async def post_with_retries(
        self, url: str, raw: bytes, attempt_headers: AttemptHeaders, entry: dict[str, Any], what: str
    ) -> None:
        """POSTs `raw` until a 2xx answer or the schedule runs out, logging every attempt as
        `entry` plus the attempt's number, HTTP status or error, and time."""
        for attempt in range(1, len(self.schedule) + 2):
            headers, extra = attempt_headers()
            logged: dict[str, Any] = {
                **entry,
                **extra,
                "attempt": attempt,
                "http_status": None,
                "error": None,
            }
            try:
                response = await self._http().post(url, content=raw, headers=headers)
                logged["http_status"] = response.status_code
                delivered = 200 <= response.status_code < 300
            except httpx.HTTPError as exc:
                logged["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ")
                delivered = False
            logged["at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            self.log.append(logged)
            if delivered:
                return
            if attempt > len(self.schedule):
                self._logger.warning("%s to %s given up", what, url)
                return
            await asyncio.sleep(self.schedule[attempt - 1])
