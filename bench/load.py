"""A small closed-loop load generator: N connections, each sending its next request as soon as
the previous answer arrives, for a fixed duration. Same generator for every target in a run,
so ratios between targets are fair even though absolute numbers include the client's cost."""

from __future__ import annotations

import asyncio
import statistics
import time
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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


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
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        # Warm-up: connections, caches and JIT-free Python paths settle before we count.
        await _run(client, url, headers, concurrency, warmup)
        latencies, errors, elapsed = await _run(client, url, headers, concurrency, duration)
    latencies.sort()
    return LoadResult(
        label,
        len(latencies),
        errors,
        elapsed,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
    )


async def _run(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], concurrency: int, duration: float
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + duration

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                response = await client.get(url, headers=headers)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def summary(values: list[float]) -> str:
    return f"{statistics.mean(values):.1f}" if values else "n/a"
