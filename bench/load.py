"""A small closed-loop load generator: N keep-alive connections, each sending its next request as
soon as the previous answer arrives, for a fixed duration. The same generator serves every target
in a run, so ratios between targets are fair; absolute numbers include the client's own CPU.

The generator's own pauses are kept out of what it measures (`collector_paused`)."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class LoadResult:
    label: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    # The share of all cores' time spent busy (any process, the kernel) during the window, where
    # /proc/stat tells it (machine_busy below); paced windows only.
    machine_busy: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@contextmanager
def collector_paused() -> Iterator[None]:
    """The bench's own cyclic garbage collector paused for a measured window, after one full
    collection. The bench process holds the whole devstack's objects besides its clients: a full
    collection of it took 40 ms or more, during which no request was sent or read. Paced at a
    fixed rate, the requests due meanwhile then left together, and the burst queued in the
    servers: one such pause in a 10 s window put 70 to 120 requests of the gateway's round in its
    slowest 1 %, while the servers' own latency had not moved. What the bench measures is the
    servers, so its collector waits; garbage without cycles is still freed as it goes."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) time of all cores so far, in clock ticks, from /proc/stat; None without it."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def machine_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the cores' time spent busy between two `cpu_jiffies` readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def closed_loop(
    label: str,
    url: str,
    headers: dict[str, str],
    *,
    concurrency: int = 32,
    duration: float = 10.0,
    warmup: float = 2.0,
) -> LoadResult:
    # Warm-up: connections, caches and lazy imports settle before we count.
    await _run(url, headers, concurrency, warmup)
    with collector_paused():
        latencies, errors, elapsed = await _run(url, headers, concurrency, duration)
    latencies.sort()
    return LoadResult(
        label,
        len(latencies),
        errors,
        elapsed,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
    )


async def paced(
    label: str,
    url: str,
    headers: dict[str, str],
    *,
    rate: float,
    concurrency: int = 32,
    duration: float = 10.0,
    warmup: float = 2.0,
) -> LoadResult:
    """Open loop: requests are due at a fixed rate spread over the connections, and latency is
    counted from when a request was due (so a stall is not hidden by sending less)."""
    await _run(url, headers, concurrency, warmup)
    latencies: list[float] = []
    errors = 0
    interval = concurrency / rate

    async def worker(index: int) -> None:
        nonlocal errors
        connection = _Connection(url, headers)
        due = started + index / rate
        try:
            while due < started + duration:
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    ok = await connection.get() == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.close()
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - due)
                else:
                    errors += 1
                due += interval
        finally:
            connection.close()

    with collector_paused():
        jiffies = cpu_jiffies()
        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
        busy = machine_busy(jiffies, cpu_jiffies())
    latencies.sort()
    return LoadResult(
        label,
        len(latencies),
        errors,
        elapsed,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
        busy,
    )


class _Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough to GET from our own servers
    (which always answer with Content-Length). A general client such as httpx spends more CPU
    per request than the servers under test, which would make it the thing measured."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parsed = httpx.URL(url)
        self.host = parsed.host
        self.port = parsed.port or 80
        target = parsed.raw_path.decode()
        lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _run(
    url: str, headers: dict[str, str], concurrency: int, duration: float
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + duration

    async def worker() -> None:
        nonlocal errors
        connection = _Connection(url, headers)
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    ok = await connection.get() == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.close()
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def summary(values: list[float]) -> str:
    return f"{statistics.mean(values):.1f}" if values else "n/a"
