"""`make bench`: the platform's performance targets, measured in one run on this machine.

Identity: GET /auth/me through the gateway and directly to auth-service, same
concurrency, one after the other in the same run; target gateway >= 0.6x direct throughput
and <= 5 ms added p99 at 32 connections. Also the idle memory of the whole stack.
Flights: bench/flights.py. Hotels: bench/hotels.py. Ferries: bench/ferries.py. PPOB: bench/ppob.py.
The money path: bench/money.py.
Results are written to BENCHMARKS.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.ferries import ferries_section
from bench.flights import flights_section
from bench.hotels import hotels_section
from bench.load import LoadResult, closed_loop, paced
from bench.memory import postmaster_pids, tree_rss_mib
from bench.money import money_section
from bench.ppob import ppob_section
from devstack.catalog import ROOT
from devstack.stack import Stack, StackConfig


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


def row(result: LoadResult) -> str:
    return (
        f"| {result.label} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
        f"{result.requests:,} | {result.errors} |"
    )


async def run(duration: float, concurrency: int) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="tiketq-bench-"))
    config = StackConfig.for_tests(workdir, database_url=os.environ.get("TEST_DATABASE_URL"))
    config.log_json = True
    # Benchmarks measure the service, not log formatting to a pipe.
    config.extra_env["LOG_LEVEL"] = "WARNING"
    # The notification storm leaves each buyer ~30 orders unpaid until the notifications are let
    # go; the per-account cap on unpaid orders (5 by default) is a guard, not what is measured.
    config.extra_env["MAX_UNPAID_ORDERS_PER_ACCOUNT"] = "100"
    # Likewise the per-client limit on PPOB inquiries: the benchmark makes hundreds in a row.
    config.extra_env["INQUIRIES_PER_CLIENT"] = "100000"
    stack = Stack(config)
    try:
        await stack.start()
        await asyncio.sleep(3)  # let start-up work (bootstrap, relays) settle before measuring memory
        roots = [p.process.pid for p in stack.processes.values() if p.process]
        if stack.database and stack.database.embedded:
            roots += postmaster_pids(workdir / "pgdata")
        idle_mib = tree_rss_mib(roots)

        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as client:
            login = await client.post(
                "/auth/login", json={"email": stack.admin_email, "password": stack.admin_password}
            )
            login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        direct = await closed_loop(
            "direct → auth-service",
            f"{stack.url('auth')}/auth/me",
            headers,
            concurrency=concurrency,
            duration=duration,
        )
        through = await closed_loop(
            "gateway → auth-service",
            f"{stack.gateway_url}/auth/me",
            headers,
            concurrency=concurrency,
            duration=duration,
        )
        # Below saturation, latency shows what the extra hop itself costs; at saturation it
        # mostly shows queueing behind the slower of the two throughputs.
        rate = round(0.5 * min(direct.rps, through.rps))
        direct_paced = await paced(
            "direct → auth-service",
            f"{stack.url('auth')}/auth/me",
            headers,
            rate=rate,
            concurrency=concurrency,
            duration=duration,
        )
        through_paced = await paced(
            "gateway → auth-service",
            f"{stack.gateway_url}/auth/me",
            headers,
            rate=rate,
            concurrency=concurrency,
            duration=duration,
        )
        flights = await flights_section(stack)
        hotels = await hotels_section(stack)
        ferries = await ferries_section(stack)
        ppob = await ppob_section(stack)
        money = await money_section(stack)
    finally:
        await stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    ratio = through.rps / direct.rps if direct.rps else 0.0
    added_p99 = through.p99_ms - direct.p99_ms
    added_p99_paced = through_paced.p99_ms - direct_paced.p99_ms
    added_p50_paced = through_paced.p50_ms - direct_paced.p50_ms
    verdict_ratio = "meets" if ratio >= 0.6 else "MISSES"
    verdict_p99 = "meets" if added_p99 <= 5.0 else "MISSES"
    verdict_p99_paced = "meets" if added_p99_paced <= 5.0 else "MISSES"
    return "\n".join(
        [
            "## Identity: `GET /auth/me` through the gateway vs direct",
            "",
            f"{concurrency} concurrent keep-alive connections, closed loop, "
            f"{duration:.0f} s each after a 2 s warm-up,",
            "the same load generator (raw keep-alive HTTP/1.1 on asyncio) on the same 2 cores as the stack.",
            "",
            "| target | req/s | p50 ms | p99 ms | requests | errors |",
            "|---|---:|---:|---:|---:|---:|",
            row(direct),
            row(through),
            "",
            f"Paced (open loop) at {rate} req/s, half the slower saturated throughput, over the same "
            f"{concurrency} connections; latency counted from when each request was due:",
            "",
            "| target | req/s | p50 ms | p99 ms | requests | errors |",
            "|---|---:|---:|---:|---:|---:|",
            row(direct_paced),
            row(through_paced),
            "",
            f"- Gateway throughput ratio (closed loop): **{ratio:.2f}×** direct "
            f"(target ≥ 0.6×: {verdict_ratio}).",
            f"- Added p99 at saturation (closed loop): **{added_p99:+.2f} ms** "
            f"(target ≤ 5 ms: {verdict_p99}). At saturation a closed loop's latency is about "
            "connections ÷ throughput, so this mostly restates the throughput gap.",
            f"- Added latency below saturation (paced): p50 **{added_p50_paced:+.2f} ms**, "
            f"p99 **{added_p99_paced:+.2f} ms** (≤ 5 ms: {verdict_p99_paced}).",
            "- Idle memory of the whole stack (9 services + embedded PostgreSQL, RSS): "
            f"**{idle_mib:,.0f} MiB**.",
            "",
            "Where the time goes: the two cores are shared by the load generator, the gateway,",
            "auth-service and PostgreSQL, so every process's CPU competes with the others. auth-service",
            "spends about 3 ms of CPU per `/auth/me` (token check against its own table, then the",
            "account read: two SQLAlchemy sessions), which bounds throughput; the gateway adds about",
            "1.5-2 ms per request (token check with cached state, proxying). The tail through the",
            "gateway is CPU contention between the processes rather than waiting on anything.",
            "",
            flights,
            hotels,
            ferries,
            ppob,
            money,
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", "15")))
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    body = asyncio.run(run(args.duration, args.concurrency))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    document = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Measured by `make bench` on {stamp}.",
            f"Machine: {machine()}.",
            "Absolute numbers include the load generator's own CPU on the same cores; "
            "compare rows of one run.",
            "",
            body,
        ]
    )
    args.output.write_text(document, encoding="utf-8")
    print(document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
