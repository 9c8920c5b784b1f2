"""Per-supplier fault knobs: latency, errors, timeouts, malformed bodies, price changes at
pricing time, hold failures. Rolls come from a seeded generator, so runs are reproducible."""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from config import KnobSettings, MidtransSettings

Disturbance = Literal["error", "malformed"] | None


@dataclass(frozen=True)
class Knobs:
    latency_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    price_change_pct: float = 0.0
    hold_failure_rate: float = 0.0

    @classmethod
    def from_settings(cls, s: KnobSettings) -> Knobs:
        return cls(
            latency_ms=s.latency_ms,
            error_rate=s.error_rate,
            timeout_rate=s.timeout_rate,
            malformed_rate=s.malformed_rate,
            price_change_pct=s.price_change_pct,
            hold_failure_rate=s.hold_failure_rate,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class KnobBoard:
    def __init__(self, defaults: dict[str, Knobs], seed: int, timeout_sleep_seconds: float) -> None:
        self.defaults = dict(defaults)
        self.seed = seed
        self.timeout_sleep_seconds = timeout_sleep_seconds
        self.reset()

    def reset(self) -> None:
        self.current = dict(self.defaults)
        self._rngs = {name: random.Random(f"{self.seed}:{name}") for name in self.defaults}

    def get(self, supplier: str) -> Knobs:
        return self.current[supplier]

    def update(self, supplier: str, changes: dict[str, Any]) -> Knobs:
        self.current[supplier] = replace(self.current[supplier], **changes)
        return self.current[supplier]

    def _roll(self, supplier: str, rate: float) -> bool:
        return rate > 0 and self._rngs[supplier].random() < rate

    async def disturb(self, supplier: str) -> Disturbance:
        """Runs before every supplier call: waits the latency, maybe sleeps past any client
        timeout (cancelled with the request), then says whether to fail or garble the reply."""
        knobs = self.current[supplier]
        if knobs.latency_ms:
            await asyncio.sleep(knobs.latency_ms / 1000)
        if self._roll(supplier, knobs.timeout_rate):
            await asyncio.sleep(self.timeout_sleep_seconds)
        if self._roll(supplier, knobs.error_rate):
            return "error"
        if self._roll(supplier, knobs.malformed_rate):
            return "malformed"
        return None

    def hold_fails(self, supplier: str) -> bool:
        return self._roll(supplier, self.current[supplier].hold_failure_rate)


MALFORMED_BODY = b'{"data": [{"id": "1", "type": "flight-offer", "itineraries": [{"segments": [<<<garbage'


@dataclass(frozen=True)
class MidtransKnobs:
    """Midtrans's knobs: latency and 5xx on Snap/Core calls, and how notifications misbehave:
    extra concurrent copies, a transaction's notifications in random order, a delay before each,
    and Core API errors inside HTTP 200 (the body's status_code still says what happened)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    duplicate_notifications: int = 0
    shuffle_notifications: bool = False
    notification_delay_ms: int = 0
    errors_in_http_200: bool = False

    @classmethod
    def from_settings(cls, s: MidtransSettings) -> MidtransKnobs:
        return cls(
            latency_ms=s.latency_ms,
            error_rate=s.error_rate,
            duplicate_notifications=s.duplicate_notifications,
            shuffle_notifications=s.shuffle_notifications,
            notification_delay_ms=s.notification_delay_ms,
            errors_in_http_200=s.errors_in_http_200,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
