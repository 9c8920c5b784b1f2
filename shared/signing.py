"""HMAC-SHA256 signatures for events between services (docs/architecture.md, events).

The signature covers the timestamp and the raw body, so a captured event cannot be replayed
later or with another body. Consumers still dedupe by event id.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-TiketQ-Timestamp"
SIGNATURE_HEADER = "X-TiketQ-Signature"
EVENT_ID_HEADER = "X-TiketQ-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, event_id: str, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_ID_HEADER: event_id,
        "Content-Type": "application/json",
    }


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    # isdigit() alone accepts non-ASCII digits ("²", "٣") that int() refuses, and a header is
    # decoded as Latin-1, so a byte such as 0xB2 must read as "no valid timestamp", not crash;
    # the length bound keeps int() cheap on a hostile header.
    if not timestamp or not signature or len(timestamp) > 20:
        return False
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    current = now if now is not None else time.time()
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)
