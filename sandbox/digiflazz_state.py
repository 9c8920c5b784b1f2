"""What the Digiflazz stand-in keeps between calls (rebuilt by /sandbox/reset): the ledger, the
callback sender and the timers that end pending purchases."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

from digiflazz_callbacks import CallbackSender
from digiflazz_ledger import Ledger, Txn
from holds import Clock

from config import DigiflazzSettings

JAKARTA = ZoneInfo("Asia/Jakarta")


class DigiflazzState:
    def __init__(self, settings: DigiflazzSettings, seed: int, clock: Clock) -> None:
        self.settings = settings
        self.seed = seed
        self.clock = clock
        self.callbacks = CallbackSender(settings.webhook_secret)
        self.ledger = Ledger(settings.deposit)

    def reset(self) -> None:
        """The starting deposit, no transactions, inquiries or callbacks; the price list may be
        asked again at once."""
        self.callbacks.reset()
        self.ledger = Ledger(self.settings.deposit)

    def now(self) -> datetime:
        return self.clock()

    def local_now(self) -> datetime:
        return self.clock().astimezone(JAKARTA)

    def callback_url(self, requested: str | None) -> str | None:
        return requested or self.settings.callback_url

    def schedule_settlement(self, txn: Txn) -> None:
        """A purchase whose plan ends by callback ends after the configured delay, then its
        callback goes out (when a URL is known)."""
        if txn.plan not in ("callback-success", "callback-fail"):
            return
        self.callbacks.spawn(self._settle_later(txn, self.ledger))

    async def _settle_later(self, txn: Txn, ledger: Ledger) -> None:
        await asyncio.sleep(self.settings.callback_delay_seconds)
        if ledger is not self.ledger:  # reset meanwhile: that transaction is gone
            return
        if ledger.settle_by_callback(txn) and txn.callback_url:
            self.callbacks.send(txn.callback_url, txn.callback_body(), pasca=txn.kind == "pasca")


@contextlib.asynccontextmanager
async def running(state: DigiflazzState) -> AsyncIterator[None]:
    """Closes the callback client and cancels pending timers at shutdown."""
    try:
        yield
    finally:
        await state.callbacks.aclose()
