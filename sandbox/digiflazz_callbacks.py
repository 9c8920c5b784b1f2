"""Digiflazz's webhook: when a pending transaction ends, POST `{"data": {...}}` to the callback URL
with `X-Digiflazz-Event: update`, a fresh `X-Digiflazz-Delivery` uuid and `X-Hub-Signature:
sha1=<hex HMAC-SHA1 of the raw body under the webhook secret>`, as GitHub-style hooks do.

A failed delivery is retried after each delay of the schedule; every attempt goes to a bounded log
(GET /sandbox/digiflazz/callbacks). `resend` delivers one transaction's last body again, several
copies at once, to show that receivers must be idempotent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import Any

import httpx

logger = logging.getLogger("sandbox.digiflazz.callbacks")
LOG_SIZE = 2000
RETRY_SCHEDULE_SECONDS = (1.0, 3.0, 10.0)


def signature(secret: str, raw: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()


class CallbackSender:
    def __init__(self, secret: str, timeout_seconds: float = 10.0) -> None:
        self.secret = secret
        self.timeout_seconds = timeout_seconds
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.last: dict[str, tuple[str, dict[str, Any], bool]] = {}  # ref_id → (url, data, pasca)
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

    def send(self, url: str, data: dict[str, Any], *, pasca: bool = False, copies: int = 1) -> None:
        """Queues the callback (and `copies - 1` extra concurrent copies); returns at once."""
        self.last[data["ref_id"]] = (url, data, pasca)
        for copy in range(copies):
            self.spawn(self._deliver(url, data, pasca, copy))

    def resend(self, ref_id: str, copies: int) -> bool:
        if ref_id not in self.last:
            return False
        url, data, pasca = self.last[ref_id]
        self.send(url, data, pasca=pasca, copies=copies)
        return True

    async def idle(self, timeout: float = 10.0) -> None:
        """Waits until nothing is being sent or waiting to retry (tests)."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def entries(self, ref_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.log if ref_id is None or e["ref_id"] == ref_id]

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout_seconds), follow_redirects=False
            )
        return self._client

    async def _deliver(self, url: str, data: dict[str, Any], pasca: bool, copy: int) -> None:
        raw = json.dumps({"data": data}, separators=(",", ":")).encode()
        for attempt in range(1, len(RETRY_SCHEDULE_SECONDS) + 2):
            delivery = str(uuid.uuid4())
            headers = {
                "Content-Type": "application/json",
                "X-Digiflazz-Event": "update",
                "X-Digiflazz-Delivery": delivery,
                "X-Hub-Signature": signature(self.secret, raw),
                "User-Agent": "DigiFlazz-Pasca-Hookshot/1.0" if pasca else "DigiFlazz-Hookshot/1.0",
            }
            entry: dict[str, Any] = {
                "ref_id": data["ref_id"], "url": url, "status": data.get("status"), "delivery": delivery,
                "attempt": attempt, "copy": copy, "http_status": None, "error": None,
            }  # fmt: skip
            try:
                response = await self._http().post(url, content=raw, headers=headers)
                entry["http_status"] = response.status_code
                delivered = 200 <= response.status_code < 300
            except httpx.HTTPError as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ")
                delivered = False
            entry["at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            self.log.append(entry)
            if delivered:
                return
            if attempt > len(RETRY_SCHEDULE_SECONDS):
                logger.warning("digiflazz callback for %s to %s given up", data["ref_id"], url)
                return
            await asyncio.sleep(RETRY_SCHEDULE_SECONDS[attempt - 1])
