"""Child processes of the stack: started in their own session (so Ctrl-C reaches only the
launcher, which stops them in order), killed with the launcher if it dies, output prefixed."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import httpx

_COLORS = ("36", "32", "33", "35", "34", "31", "96", "92", "93", "95")
# A child's output is read this much at a time at most; a longer line is shown in pieces.
_CHUNK_BYTES = 64 * 1024
_LONGEST_LINE_BYTES = 1024 * 1024


def _die_with_parent() -> None:
    """Linux: SIGTERM this child when the launcher exits, even by SIGKILL (no orphans)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        log_path: Path | None = None,
        echo: bool = True,
        color_index: int = 0,
    ) -> None:
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.echo = echo
        self.color = _COLORS[color_index % len(_COLORS)]
        self.process: asyncio.subprocess.Process | None = None
        self.tail: deque[str] = deque(maxlen=60)
        self._pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._pump = asyncio.create_task(self._pump_output())

    async def _pump_output(self) -> None:
        """The child's output as it comes: its last lines kept (for errors), appended to its log
        file and echoed with its prefix. Read in whatever chunks are waiting and written once per
        chunk: the services write their lines in batches (shared/logging.py), and a write and a
        flush per line cost this process, which in the bench is also the load generator, two
        system calls per line."""
        assert self.process is not None
        assert self.process.stdout is not None
        log = self.log_path.open("a", encoding="utf-8") if self.log_path else None
        prefix = (
            f"\x1b[{self.color}m{self.name:>12} |\x1b[0m " if sys.stdout.isatty() else f"{self.name:>12} | "
        )
        unfinished = b""
        try:
            while chunk := await self.process.stdout.read(_CHUNK_BYTES):
                *complete, unfinished = (unfinished + chunk).split(b"\n")
                if len(unfinished) > _LONGEST_LINE_BYTES:  # a line without end: shown in pieces
                    complete.append(unfinished)
                    unfinished = b""
                if complete:
                    self._take([raw.decode("utf-8", "replace") for raw in complete], log, prefix)
            if unfinished:
                self._take([unfinished.decode("utf-8", "replace")], log, prefix)
        finally:
            if log:
                log.close()

    def _take(self, lines: list[str], log: TextIO | None, prefix: str) -> None:
        self.tail.extend(lines)
        if log:
            log.write("".join(line + "\n" for line in lines))
            log.flush()
        if self.echo:
            sys.stdout.write("".join(prefix + line + "\n" for line in lines))
            sys.stdout.flush()

    @property
    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        if self._pump:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pump, 2)

    async def wait(self) -> int | None:
        """Until the process has exited (its exit status; negative: the signal that ended it)."""
        if self.process is None:
            return None
        return await self.process.wait()

    def kill_now(self) -> None:
        """Last resort (atexit, test teardown after a crash)."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


async def wait_until_ready(
    url: str, proc: ManagedProcess, timeout: float, is_ready: Callable[[httpx.Response], bool] | None = None
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if proc.exited:
                raise RuntimeError(
                    f"{proc.name} exited with {proc.process.returncode if proc.process else '?'}:\n"
                    + "\n".join(proc.tail)
                )
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(url)
                if response.status_code == 200 and (is_ready is None or is_ready(response)):
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(
                    f"{proc.name} not ready at {url} after {timeout:.0f}s:\n" + "\n".join(proc.tail)
                )
            await asyncio.sleep(0.05)
