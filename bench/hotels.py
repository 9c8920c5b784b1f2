"""Hotel search latency: the Hotelbeds-shaped supplier at 400 ms through the sandbox's knobs.

Targets: uncached search p50 ≤ 1.2× the supplier's latency (one availability call per search,
nothing else on the way); a repeated (cached) search p50 ≤ 5 % of the uncached one.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import httpx

from devstack.stack import Stack

HOTELBEDS_LATENCY_MS = 400
AREAS = ["DPS-4", "DPS-2", "DPS-1", "DPS-3", "JKT", "JOG", "BDO", "LOP", "LBJ", "SUB"]


def _params(index: int) -> dict[str, str | int]:
    check_in = date.today() + timedelta(days=60 + index)  # a new stay each time: never cached
    return {
        "destination": AREAS[index % len(AREAS)],
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=2)).isoformat(),
        "adults": 2,
        "children": 1,
        "child_ages": "7",
    }


async def _timed(client: httpx.AsyncClient, params: dict[str, str | int]) -> float:
    started = time.perf_counter()
    response = await client.get("/hotels/search", params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


async def hotels_section(stack: Stack, samples: int = 20) -> str:
    async with (
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client,
        httpx.AsyncClient(base_url=stack.url("sandbox"), timeout=10) as sandbox,
    ):
        await sandbox.post("/sandbox/reset")
        knob = {"latency_ms": HOTELBEDS_LATENCY_MS}
        (await sandbox.put("/sandbox/knobs/hotelbeds", json=knob)).raise_for_status()
        await _timed(client, _params(10_000))  # warm-up: destinations list, connections
        uncached = [await _timed(client, _params(i)) for i in range(samples)]
        repeated = _params(0)
        cached = [await _timed(client, repeated) for _ in range(samples * 2)]
        await sandbox.post("/sandbox/reset")

    p50_uncached = statistics.median(uncached) * 1000
    p50_cached = statistics.median(cached) * 1000
    ratio = p50_uncached / HOTELBEDS_LATENCY_MS
    cached_share = p50_cached / p50_uncached
    verdict = {True: "meets", False: "MISSES"}
    return "\n".join(
        [
            f"## Hotels: search through the gateway, supplier at {HOTELBEDS_LATENCY_MS} ms",
            "",
            f"Sandbox latency knob: Hotelbeds {HOTELBEDS_LATENCY_MS} ms; {samples} searches of new stays "
            f"(uncached), {samples * 2} repeats of one (cached). One client, sequential requests.",
            "",
            "| measurement | value | target |",
            "|---|---:|---|",
            f"| uncached search p50 | {p50_uncached:.0f} ms ({ratio:.2f}× the supplier) | "
            f"≤ 1.2× ({verdict[ratio <= 1.2]}) |",
            f"| cached search p50 | {p50_cached:.1f} ms ({cached_share:.1%} of uncached) | "
            f"≤ 5 % ({verdict[cached_share <= 0.05]}) |",
            "",
        ]
    )
