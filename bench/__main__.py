"""`make bench`: the platform's performance targets, measured in one run on this machine.

Ratios to the reference app (bench/reference_app.py, started beside the stack): the gateway
forwarding the JWKS vs direct, GET /auth/me direct and through the gateway, the gateway's added
latency below saturation, autocomplete and a cached flight search (bench/ratios.py). Also the idle
memory of the whole stack.
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
from bench.memory import floor_memory, idle_memory_lines, idle_readings, postmaster_pids
from bench.money import money_section
from bench.ppob import ppob_section
from bench.ratios import ratios_section, start_reference
from devstack.catalog import ROOT, by_name
from devstack.stack import Stack, StackConfig, service_of


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


IDLE_AFTER_START_SECONDS = 15
# Idle memory: readings, seconds apart (bench/memory.py, idle_readings).
IDLE_READINGS = (5, 2.0)
SECTIONS = ("ratios", "flights", "hotels", "ferries", "ppob", "money")


async def run(duration: float, concurrency: int, only: frozenset[str] = frozenset(SECTIONS)) -> str:
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
    reference = None
    try:
        await stack.start()
        # Idle, not just started: start-up work (bootstrap, relays, the first readiness pings)
        # opens connections that the stack's server closes once they sit idle for 10 s.
        await asyncio.sleep(IDLE_AFTER_START_SECONDS)
        processes = {name: [p.process.pid] for name, p in stack.processes.items() if p.process}
        if stack.database and stack.database.embedded:
            processes["postgresql (embedded)"] = postmaster_pids(workdir / "pgdata")
        idle = await idle_readings(processes, readings=IDLE_READINGS[0], interval=IDLE_READINGS[1])
        with_database = [name for name in stack.processes if by_name(service_of(name)).database]
        floor = await floor_memory(stack.config.host, workdir / "logs", stack.config.ready_timeout)

        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as client:
            login = await client.post(
                "/auth/login", json={"email": stack.admin_email, "password": stack.admin_password}
            )
            login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        ratios = flights = hotels = ferries = ppob = money = ""
        if "ratios" in only:
            reference, reference_url = await start_reference(stack)
            ratios = await ratios_section(
                stack, reference_url, headers, duration=min(duration, 10.0), concurrency=concurrency
            )
            # Its pool keeps the connections the loops opened: give them back to the database
            # server (max_connections 100) before the money path's storm needs every service's pool.
            await reference.stop()
            reference = None
        if "flights" in only:
            flights = await flights_section(stack)
        if "hotels" in only:
            hotels = await hotels_section(stack)
        if "ferries" in only:
            ferries = await ferries_section(stack)
        if "ppob" in only:
            ppob = await ppob_section(stack)
        if "money" in only:
            money = await money_section(stack)
    finally:
        if reference is not None:
            await reference.stop()
        await stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    return "\n".join(
        [
            ratios,
            *idle_memory_lines(
                idle,
                goal_mib=800,
                idle_seconds=IDLE_AFTER_START_SECONDS,
                readings=IDLE_READINGS,
                floor=floor,
                with_database=with_database,
            ),
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
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="measure only these sections (repeatable); the idle memory is always measured. "
        "Printed, and written to BENCHMARKS.md only when --output names it",
    )
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    only = frozenset(args.only or SECTIONS)
    output = args.output or (None if args.only else ROOT / "BENCHMARKS.md")
    body = asyncio.run(run(args.duration, args.concurrency, only))
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
    if output is not None:
        output.write_text(document, encoding="utf-8")
    print(document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
