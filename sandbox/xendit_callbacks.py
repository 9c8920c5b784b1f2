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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callback_delivery import CallbackDeliveries

logger = logging.getLogger("sandbox.xendit.callbacks")


@dataclass(frozen=True)
class Callback:
    key: str  # the invoice id (or the refund id) the log is searched by
    url: str
    body: dict[str, Any]


class CallbackSender(CallbackDeliveries):
    def __init__(
        self,
        token: str,
        schedule: tuple[float, ...],
        timeout_seconds: float,
        knobs: Callable[[], tuple[int, int]],
    ) -> None:
        super().__init__(timeout_seconds, schedule, logger, user_agent="Xendit-Callback-Sandbox/1.0")
        self.token = token
        self._knobs = knobs  # → (callback_delay_ms, duplicate_callbacks)
        self.last: dict[str, Callback] = {}

    def reset(self) -> None:
        super().reset()
        self.last.clear()

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

    def entries(self, key: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.log if key is None or e["key"] == key]

    async def _deliver(self, callback: Callback, copy: int, delay_ms: int) -> None:
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        raw = json.dumps(callback.body).encode()
        headers = {"Content-Type": "application/json", "x-callback-token": self.token}
        entry = {
            "key": callback.key, "url": callback.url,
            "status": callback.body.get("status") or callback.body.get("event"), "copy": copy,
        }  # fmt: skip
        await self.post_with_retries(
            callback.url, raw, lambda: (headers, {}), entry, f"xendit callback for {callback.key}"
        )
