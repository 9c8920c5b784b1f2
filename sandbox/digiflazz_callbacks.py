"""Digiflazz's webhook: when a pending transaction ends, POST `{"data": {...}}` to the callback URL
with `X-Digiflazz-Event: update`, a fresh `X-Digiflazz-Delivery` uuid and `X-Hub-Signature:
sha1=<hex HMAC-SHA1 of the raw body under the webhook secret>`, as GitHub-style hooks do.

A failed delivery is retried after each delay of the schedule; every attempt goes to a bounded log
(GET /sandbox/digiflazz/callbacks). `resend` delivers one transaction's last body again, several
copies at once, to show that receivers must be idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from typing import Any

from callback_delivery import CallbackDeliveries

logger = logging.getLogger("sandbox.digiflazz.callbacks")
RETRY_SCHEDULE_SECONDS = (1.0, 3.0, 10.0)


def signature(secret: str, raw: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()


class CallbackSender(CallbackDeliveries):
    def __init__(self, secret: str, timeout_seconds: float = 10.0) -> None:
        super().__init__(timeout_seconds, RETRY_SCHEDULE_SECONDS, logger)
        self.secret = secret
        self.last: dict[str, tuple[str, dict[str, Any], bool]] = {}  # ref_id → (url, data, pasca)

    def reset(self) -> None:
        super().reset()
        self.last.clear()

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

    def entries(self, ref_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.log if ref_id is None or e["ref_id"] == ref_id]

    async def _deliver(self, url: str, data: dict[str, Any], pasca: bool, copy: int) -> None:
        raw = json.dumps({"data": data}, separators=(",", ":")).encode()

        def attempt_headers() -> tuple[dict[str, str], dict[str, Any]]:
            delivery = str(uuid.uuid4())  # a fresh delivery id per attempt, as Digiflazz sends
            headers = {
                "Content-Type": "application/json",
                "X-Digiflazz-Event": "update",
                "X-Digiflazz-Delivery": delivery,
                "X-Hub-Signature": signature(self.secret, raw),
                "User-Agent": "DigiFlazz-Pasca-Hookshot/1.0" if pasca else "DigiFlazz-Hookshot/1.0",
            }
            return headers, {"delivery": delivery}

        entry = {"ref_id": data["ref_id"], "url": url, "status": data.get("status"), "copy": copy}
        await self.post_with_retries(
            url, raw, attempt_headers, entry, f"digiflazz callback for {data['ref_id']}"
        )
