"""How long a background poller (an outbox relay, a delivery or status-check worker) sleeps
between its passes over a table.

A pass that did some work sets the base interval. A pass that found nothing sets a wait that
doubles from the base each time up to a ceiling, but no later than the next due time the pass
read (a retry scheduled for later is not delayed), and never shorter than the base. At idle the
poller's database session thus goes quiet for longer than the server's idle_session_timeout,
and the server closes it and frees its backend. Work this process writes rings `wake()` and goes
out at once; work another process wrote (or left behind when it crashed) is found within the
ceiling. Plain asyncio: domains use it too.

A wake-up rung while a pass is on its way to read the table (`look()`, then `Look.reading()`
as its read goes out) starts no pass of its own: that read sees the work, committed before the
wake-up. One rung after the read went out starts another pass.

Left to the server, the session of a poller that wakes every 30 s would still live 10 s of every
30 (a new one per pass, closed once idle): `let_go`, given, closes the connection an empty pass
used when the wait ahead is long, so that its backend goes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("shared.idle_backoff")

# A wait longer than this lets the connection go: a pooled connection idle as long is pinged
# before its next use anyway (shared/db.py), so opening a new one then costs little more.
LET_GO_AFTER_SECONDS = 5.0


class IdleBackoff:
    def __init__(
        self,
        base_seconds: float,
        ceiling_seconds: float,
        *,
        let_go: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if base_seconds <= 0:
            raise ValueError("a poller's base interval must be positive")
        self._base = base_seconds
        self._ceiling = max(base_seconds, ceiling_seconds)
        self._let_go = let_go
        self._idle = base_seconds  # the wait of the next pass that finds nothing
        self._wait = base_seconds  # the wait the latest pass set
        self._rung = False  # a wake-up no read has covered yet
        self._looks = 0  # passes on their way to read, whose read has not gone out
        self._wakeup = asyncio.Event()  # set while rung and no pass is on its way to read

    @property
    def wait(self) -> float:
        """Seconds from the start of `sleep()` to the next pass, unless woken first."""
        return self._wait

    def worked(self) -> None:
        """A pass did something: more may follow, so poll at the base interval again."""
        self._idle = self._wait = self._base

    async def found_nothing(self, next_due_in: float | None = None) -> None:
        """A pass found nothing to do (and has given its connection back); `next_due_in`: seconds
        until its earliest pending row is due (None: none pending, or unknown). A row due now
        that the pass could not take (another pass or replica holds it) makes the base interval.
        A long wait ahead lets the connection go."""
        wait = self._idle
        if next_due_in is not None:
            wait = max(self._base, min(wait, next_due_in))
        self._wait = wait
        self._idle = min(self._idle * 2, self._ceiling)
        if self._let_go is not None and wait > LET_GO_AFTER_SECONDS:
            try:
                await self._let_go()
            except Exception:  # the server closes it once idle anyway
                logger.warning("could not let an idle poller's connection go", exc_info=True)

    def wake(self) -> None:
        """Work was just committed by this process: a pass reads it now, the one on its way to
        read if there is one, else a pass the sleeper starts."""
        self._rung = True
        self._settle()

    def look(self) -> Look:
        """A pass starts that will read the table: wake-ups rung before its read goes out wait
        for that read instead of starting another pass."""
        self._looks += 1
        self._settle()
        return Look(self)

    def _settle(self) -> None:
        if self._rung and self._looks == 0:
            self._wakeup.set()
        else:
            self._wakeup.clear()

    async def sleep(self) -> None:
        """Until woken, or until `wait` has passed since the call. The wait is read again at
        least every base interval: with several passes under way, one that ends while this
        sleeps may have shortened it."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not self._wakeup.is_set():
            left = start + self._wait - loop.time()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=min(left, self._base))
        # The pass that follows covers every wake-up so far.
        self._rung = False
        self._settle()


class Look:
    """A pass on its way to read (IdleBackoff.look)."""

    def __init__(self, backoff: IdleBackoff) -> None:
        self._backoff = backoff
        self._open = True

    def reading(self) -> bool:
        """The pass's read goes out now (call it just before sending): it sees every row
        committed before a wake-up rung so far, so none of them needs another pass. True if one
        was rung (since the sleep that started the pass): the pass rings again should it fail,
        as that wake-up would have started another pass had the read not taken it. The wake-up
        that started the pass is not rung again: a pass failing every time would poll at once."""
        self.close()
        rung, self._backoff._rung = self._backoff._rung, False
        self._backoff._settle()
        return rung

    def close(self) -> None:
        """The pass ended without reading (or has read): it no longer holds wake-ups back."""
        if self._open:
            self._open = False
            self._backoff._looks -= 1
            self._backoff._settle()
