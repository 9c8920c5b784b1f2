"""Xendit's callbacks: POST the invoice (or `{"event": "refund.…", "data": refund}`) as JSON to the
dashboard's callback URL with `x-callback-token: <the account's verification token>`.

Each callback is sent after `callback_delay_ms`, with `duplicate_callbacks` extra copies at once;
a non-2xx answer or a failure is retried after each delay of SANDBOX_XENDIT_RETRY_SCHEDULE_SECONDS
(Xendit retries for hours; compressed here). Every attempt goes to a bounded delivery log
(GET /sandbox/xendit/callbacks); `resend` delivers an invoice's last callback again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

logger = logging.getLogger("sandbox.xendit.callbacks")
LOG_SIZE = 2000


@dataclass(frozen=True)
class Callback:
    key: str  # the invoice id (or the refund id) the log is searched by
    url: str
    body: dict[str, Any]


class CallbackSender:
    def __init__(
        self,
        token: str,
        schedule: tuple[float, ...],
        timeout_seconds: float,
        knobs: Callable[[], tuple[int, int]],
    ) -> None:
        self.token = token
        self.schedule = schedule
        self.timeout_seconds = timeout_seconds
        self._knobs = knobs  # → (callback_delay_ms, duplicate_callbacks)
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.last: dict[str, Callback] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def reset(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.log.clear()
        self.last.clear()

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        self.reset()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def send(self, callback: Callback, copies: int | None = None) -> None:
        """Queues the callback (and the duplicate_callbacks knob's extra copies); returns at once."""
        self.last[callback.key] = callback
        delay_ms, duplicates = self._knobs()
        for copy in range(copies if copies is not None else 1 + duplicates):
            self.spawn(self._deliver(callback, copy, delay_ms))

    def resend(self, key: str, copies: int) -> bool:
        if key not in self.last:
            return False
        self.send(self.last[key], copies)
        return True

    async def idle(self, timeout: float = 10.0) -> None:
        """Waits until nothing is being sent or waiting to retry (tests)."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def entries(self, key: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.log if key is None or e["key"] == key]

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
                headers={"User-Agent": "Xendit-Callback-Sandbox/1.0"},
            )
        return self._client

    async def _deliver(self, callback: Callback, copy: int, delay_ms: int) -> None:
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        raw = json.dumps(callback.body).encode()
        headers = {"Content-Type": "application/json", "x-callback-token": self.token}
        for attempt in range(1, len(self.schedule) + 2):
            entry: dict[str, Any] = {
                "key": callback.key, "url": callback.url,
                "status": callback.body.get("status") or callback.body.get("event"),
                "attempt": attempt, "copy": copy, "http_status": None, "error": None,
            }  # fmt: skip
            try:
                response = await self._http().post(callback.url, content=raw, headers=headers)
                entry["http_status"] = response.status_code
                delivered = 200 <= response.status_code < 300
            except httpx.HTTPError as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ")
                delivered = False
            entry["at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            self.log.append(entry)
            if delivered:
                return
            if attempt > len(self.schedule):
                logger.warning("xendit callback for %s to %s given up", callback.key, callback.url)
                return
            await asyncio.sleep(self.schedule[attempt - 1])
