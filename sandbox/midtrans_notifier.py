"""Midtrans HTTP notifications: POST the status body to the transaction's override URLs, else the
configured URL (plus any X-Append-Notification URLs), from background tasks.

- One worker per transaction sends the first attempts in the order the changes happened (or in
  random order with the `shuffle_notifications` knob), each after `notification_delay_ms`, with
  `duplicate_notifications` extra copies sent concurrently.
- Each attempt has a 15 s timeout and follows no redirects; a non-2xx answer or a failure is retried
  after each delay of SANDBOX_MIDTRANS_RETRY_SCHEDULE_SECONDS in turn (±20 % jitter). Retries run on
  their own, so a retried notification can arrive after a later one, as with Midtrans.
- Every attempt is written to a bounded delivery log (GET /sandbox/midtrans/notifications).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from knobs import MidtransKnobs

from config import MidtransSettings
from shared.http_pool import pooled_transport

logger = logging.getLogger("sandbox.midtrans.notifier")
LOG_SIZE = 2000


@dataclass(frozen=True)
class Notification:
    order_id: str
    urls: tuple[str, ...]
    body: dict[str, Any]


class Notifier:
    def __init__(self, settings: MidtransSettings, knobs: Callable[[], MidtransKnobs], seed: int) -> None:
        self.settings = settings
        self.schedule = settings.retry_schedule
        self._knobs = knobs
        self._seed = seed
        self._client: httpx.AsyncClient | None = None
        self._queues: dict[str, list[Notification]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.rng = random.Random(f"{seed}:midtrans-notifications")

    def reset(self) -> None:
        """Forget the log and drop every queued notification and pending retry."""
        for task in [*self._tasks, *self._workers.values()]:
            task.cancel()
        self._tasks.clear()
        self._workers.clear()
        self._queues.clear()
        self.log.clear()
        self.rng = random.Random(f"{self._seed}:midtrans-notifications")

    async def aclose(self) -> None:
        tasks = [*self._tasks, *self._workers.values()]
        self.reset()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def targets(self, override: list[str] | None, append: list[str]) -> tuple[str, ...]:
        if override:
            return tuple(override)
        default = [self.settings.notification_url] if self.settings.notification_url else []
        return tuple(dict.fromkeys([*default, *append]))

    def enqueue(self, notification: Notification) -> None:
        """Called on every status change; returns at once (the caller's answer does not wait)."""
        if not notification.urls:
            return
        self._queues.setdefault(notification.order_id, []).append(notification)
        if notification.order_id not in self._workers:
            self._workers[notification.order_id] = asyncio.create_task(self._worker(notification.order_id))

    async def idle(self, timeout: float = 10.0) -> None:
        """Waits until nothing is queued, sending or waiting to retry (tests and demos)."""
        async with asyncio.timeout(timeout):
            while self._workers or self._tasks:
                await asyncio.gather(*self._workers.values(), *self._tasks, return_exceptions=True)

    def entries(self, order_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.log if order_id is None or e["order_id"] == order_id]

    async def _worker(self, order_id: str) -> None:
        try:
            while True:
                knobs = self._knobs()
                if knobs.notification_delay_ms:
                    await asyncio.sleep(knobs.notification_delay_ms / 1000)
                queue = self._queues.get(order_id)
                if not queue:
                    return
                index = self.rng.randrange(len(queue)) if knobs.shuffle_notifications else 0
                notification = queue.pop(index)
                copies = 1 + knobs.duplicate_notifications
                await asyncio.gather(
                    *(
                        self._attempt(notification, url, 1, copy)
                        for url in notification.urls
                        for copy in range(copies)
                    )
                )
        finally:
            if self._workers.get(order_id) is asyncio.current_task():
                del self._workers[order_id]
                self._queues.pop(order_id, None)

    def _client_for_sending(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.notification_timeout_seconds),
                follow_redirects=False,
                headers={"User-Agent": "TiketQ-Sandbox-Midtrans-Notification/1.0"},
                transport=pooled_transport(),  # kept connections cost less per notification
            )
        return self._client

    async def _attempt(self, notification: Notification, url: str, attempt: int, copy: int) -> None:
        entry: dict[str, Any] = {
            "order_id": notification.order_id,
            "url": url,
            "transaction_status": notification.body.get("transaction_status"),
            "status_code": notification.body.get("status_code"),
            "attempt": attempt,
            "copy": copy,
            "http_status": None,
            "error": None,
        }
        try:
            response = await self._client_for_sending().post(url, json=notification.body)
            entry["http_status"] = response.status_code
            delivered = 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ")
            delivered = False
        entry["at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.log.append(entry)
        if delivered or attempt > len(self.schedule):
            if not delivered:
                logger.warning("midtrans notification to %s for %s given up", url, notification.order_id)
            return
        delay = self.schedule[attempt - 1] * self.rng.uniform(0.8, 1.2)
        task = asyncio.create_task(self._retry(notification, url, attempt + 1, copy, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retry(
        self, notification: Notification, url: str, attempt: int, copy: int, delay: float
    ) -> None:
        await asyncio.sleep(delay)
        await self._attempt(notification, url, attempt, copy)
