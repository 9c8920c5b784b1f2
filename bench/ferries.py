"""Ferry search latency: the sandbox's ferry operator at 400 ms through its latency knob.

Targets: uncached search p50 ≤ 1.2× the operator's latency (one sailings call per search: the
ports and routes are remembered after the first); a repeated (cached) search p50 ≤ 5 % of the
uncached one.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import httpx

from devstack.stack import Stack

OPERATOR_LATENCY_MS = 400
CROSSINGS = [
    ("MRK", "BKH"),
    ("BKH", "MRK"),
    ("KTP", "GLM"),
    ("GLM", "KTP"),
    ("PDB", "LBR"),
    ("LBR", "PDB"),
    ("KYG", "PTN"),
    ("PTN", "KYG"),
    ("TPK", "KML"),
    ("KML", "TPK"),
]


def _params(index: int) -> dict[str, str | int]:
    origin, destination = CROSSINGS[index % len(CROSSINGS)]
    # A new crossing, day or party each time: never cached (sales open 60 days ahead).
    departure = date.today() + timedelta(days=1 + (index // len(CROSSINGS)) % 55)
    return {
        "origin": origin,
        "destination": destination,
        "departure_date": departure.isoformat(),
        "adults": 1 + index // (len(CROSSINGS) * 55),
        "vehicle_class": "IVA",
    }


async def _timed(client: httpx.AsyncClient, params: dict[str, str | int]) -> float:
    started = time.perf_counter()
    response = await client.get("/ferries/search", params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


async def ferries_section(stack: Stack, samples: int = 20) -> str:
    async with (
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client,
        httpx.AsyncClient(base_url=stack.url("sandbox"), timeout=10) as sandbox,
    ):
        await sandbox.post("/sandbox/reset")
        knob = {"latency_ms": OPERATOR_LATENCY_MS}
        (await sandbox.put("/sandbox/knobs/ferry", json=knob)).raise_for_status()
        await _timed(client, _params(5_000))  # warm-up: token, ports and routes, connections
        uncached = [await _timed(client, _params(i)) for i in range(samples)]
        repeated = _params(0)
        cached = [await _timed(client, repeated) for _ in range(samples * 2)]
        await sandbox.post("/sandbox/reset")

    p50_uncached = statistics.median(uncached) * 1000
    p50_cached = statistics.median(cached) * 1000
    ratio = p50_uncached / OPERATOR_LATENCY_MS
    cached_share = p50_cached / p50_uncached
    verdict = {True: "meets", False: "MISSES"}
    return "\n".join(
        [
            f"## Ferries: sailing search through the gateway, operator at {OPERATOR_LATENCY_MS} ms",
            "",
            f"Sandbox latency knob: ferry operator {OPERATOR_LATENCY_MS} ms; {samples} searches of new "
            f"crossings and days (uncached), {samples * 2} repeats of one (cached). One client, "
            "sequential requests.",
            "",
            "| measurement | value | target |",
            "|---|---:|---|",
            f"| uncached search p50 | {p50_uncached:.0f} ms ({ratio:.2f}× the operator) | "
            f"≤ 1.2× ({verdict[ratio <= 1.2]}) |",
            f"| cached search p50 | {p50_cached:.1f} ms ({cached_share:.1%} of uncached) | "
            f"≤ 5 % ({verdict[cached_share <= 0.05]}) |",
            "",
        ]
    )
