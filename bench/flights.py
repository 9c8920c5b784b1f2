"""Flight search latency: suppliers at 300 ms and 500 ms through the sandbox's knobs.

Targets: uncached search p50 ≤ 1.2× the slower supplier (the fan-out is parallel, never the
sum); a repeated (cached) search p50 ≤ 5 % of the uncached one; with one supplier past the
deadline, the answer arrives within the deadline + 10 %.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import httpx

from devstack.stack import Stack

AMADEUS_LATENCY_MS = 300
DUFFEL_LATENCY_MS = 500
DEADLINE_SECONDS = 3.0  # flights-service's SEARCH_DEADLINE_SECONDS default
ROUTES = [("CGK", "DPS"), ("CGK", "SUB"), ("CGK", "KNO"), ("SUB", "UPG"), ("CGK", "YIA"), ("DPS", "LOP")]


def _params(index: int) -> dict[str, str | int]:
    origin, destination = ROUTES[index % len(ROUTES)]
    day = date.today() + timedelta(days=30 + index)  # a new date each time: never cached
    return {"origin": origin, "destination": destination, "departure_date": day.isoformat(), "adults": 1}


async def _timed(client: httpx.AsyncClient, params: dict[str, str | int]) -> float:
    started = time.perf_counter()
    response = await client.get("/flights/search", params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


async def _knobs(sandbox: httpx.AsyncClient, amadeus_ms: int, duffel_ms: int) -> None:
    await sandbox.post("/sandbox/reset")
    (await sandbox.put("/sandbox/knobs/amadeus", json={"latency_ms": amadeus_ms})).raise_for_status()
    (await sandbox.put("/sandbox/knobs/duffel", json={"latency_ms": duffel_ms})).raise_for_status()


async def flights_section(stack: Stack, samples: int = 20) -> str:
    async with (
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client,
        httpx.AsyncClient(base_url=stack.url("sandbox"), timeout=10) as sandbox,
    ):
        await _knobs(sandbox, AMADEUS_LATENCY_MS, DUFFEL_LATENCY_MS)
        await _timed(client, _params(10_000))  # warm-up: token, connections
        uncached = [await _timed(client, _params(i)) for i in range(samples)]
        repeated = _params(0)
        cached = [await _timed(client, repeated) for _ in range(samples * 2)]
        await _knobs(sandbox, AMADEUS_LATENCY_MS, 10_000)
        past_deadline = [await _timed(client, _params(1_000 + i)) for i in range(5)]
        await sandbox.post("/sandbox/reset")

    p50_uncached = statistics.median(uncached) * 1000
    p50_cached = statistics.median(cached) * 1000
    worst_deadline = max(past_deadline)
    slower = max(AMADEUS_LATENCY_MS, DUFFEL_LATENCY_MS)
    ratio = p50_uncached / slower
    cached_share = p50_cached / p50_uncached
    verdict = {True: "meets", False: "MISSES"}
    return "\n".join(
        [
            "## Flights: search through the gateway, suppliers at 300 ms and 500 ms",
            "",
            f"Sandbox latency knobs: Amadeus {AMADEUS_LATENCY_MS} ms, Duffel {DUFFEL_LATENCY_MS} ms; "
            f"{samples} searches on new dates (uncached), {samples * 2} repeats of one (cached),",
            "5 with Duffel slowed to 10 s (past the 3 s deadline). One client, sequential requests.",
            "",
            "| measurement | value | target |",
            "|---|---:|---|",
            f"| uncached search p50 | {p50_uncached:.0f} ms ({ratio:.2f}× the slower supplier) | "
            f"≤ 1.2× ({verdict[ratio <= 1.2]}) |",
            f"| cached search p50 | {p50_cached:.1f} ms ({cached_share:.1%} of uncached) | "
            f"≤ 5 % ({verdict[cached_share <= 0.05]}) |",
            f"| one supplier past the deadline, slowest answer | {worst_deadline:.2f} s | "
            f"≤ {DEADLINE_SECONDS * 1.1:.1f} s ({verdict[worst_deadline <= DEADLINE_SECONDS * 1.1]}) |",
            "",
        ]
    )
