"""Runs the devstack `Stack` on an event loop in a thread of its own, so end-to-end tests can
be plain synchronous functions while the stack keeps pumping its processes' output."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from devstack.stack import Stack

T = TypeVar("T")


class StackRunner:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stack-loop", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 180.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> None:
        try:
            self.call(self.stack.start())
        except BaseException:
            self.close()
            raise

    def stop_service(self, name: str) -> None:
        self.call(self.stack.stop_service(name))

    def start_service(self, name: str) -> None:
        """(Re)starts one process ("payment", "payment-2", "sandbox") and waits until it is ready."""
        self.call(self.stack.restart_service(name))

    def kill_instance(self, name: str) -> None:
        """SIGKILL one process ("payment-2"): no shutdown hook runs, no request is drained."""
        self.call(self._kill(name))

    async def _kill(self, name: str) -> None:
        self.stack.kill_instance(name)
        await self.stack.processes[name].wait()

    def close(self) -> None:
        try:
            self.call(self.stack.stop(), timeout=60)
        except Exception:
            self.stack.kill_now()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
