"""Memory of a process tree, read from /proc (Linux).

RSS counts every page a process maps, so a shared library's pages (Python's, OpenSSL's, …) are
counted once per process that maps them; PSS divides each shared page between those processes,
so the PSS of the processes adds up to what they take together. The goal is stated in RSS."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.floor_app import READY_PATH
from devstack.catalog import ROOT, SERVER_ENV
from devstack.processes import ManagedProcess, wait_until_ready


@dataclass(frozen=True)
class Memory:
    rss_mib: float
    pss_mib: float

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss_mib + other.rss_mib, self.pss_mib + other.pss_mib)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
    return children


def _field_kib(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_memory(pid: int) -> Memory:
    """One process's RSS (/proc/<pid>/status) and PSS (/proc/<pid>/smaps_rollup)."""
    rss = _field_kib(f"/proc/{pid}/status", "VmRSS:")
    pss = _field_kib(f"/proc/{pid}/smaps_rollup", "Pss:")
    return Memory(rss / 1024, pss / 1024)


def _tree(roots: list[int]) -> set[int]:
    children = _children_map()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return seen


def tree_memory(roots: list[int]) -> Memory:
    """The processes `roots` and all their descendants, summed."""
    return sum((process_memory(pid) for pid in _tree(roots)), Memory(0.0, 0.0))


def tree_rss_mib(roots: list[int]) -> float:
    return tree_memory(roots).rss_mib


async def idle_readings(trees: dict[str, list[int]], *, readings: int, interval: float) -> dict[str, Memory]:
    """Each tree's median over `readings` readings `interval` s apart. An idle stack's pollers
    (outbox relays, delivery workers) still pass over their tables, every half minute once settled
    and in step after a start, and each pass's connection lives until its pool closes it, idle, a
    few seconds later: whether a single reading counts those backends is down to chance."""
    seen: dict[str, list[Memory]] = {name: [] for name in trees}
    for n in range(readings):
        if n:
            await asyncio.sleep(interval)
        for name, roots in trees.items():
            seen[name].append(tree_memory(roots))
    return {
        name: Memory(
            statistics.median(m.rss_mib for m in memories), statistics.median(m.pss_mib for m in memories)
        )
        for name, memories in seen.items()
    }


def postmaster_pids(data_dir: Path) -> list[int]:
    pid_file = data_dir / "postmaster.pid"
    if pid_file.exists():
        return [int(pid_file.read_text().splitlines()[0])]
    return []


def idle_memory_lines(
    idle: dict[str, Memory],
    *,
    goal_mib: float,
    idle_seconds: int,
    readings: tuple[int, float],
    floor: Memory,
    with_database: list[str],
) -> list[str]:
    """BENCHMARKS.md's idle-memory lines: the total against the goal (in RSS, as the goal is
    stated), PSS beside it, each process's share, and the floor every Python process stands on."""
    total = sum(idle.values(), Memory(0.0, 0.0))
    others = {name: memory.rss_mib for name, memory in idle.items() if name not in with_database}
    verdict = "meets" if total.rss_mib <= goal_mib else "misses"
    processes = ", ".join(
        f"{name} {memory.rss_mib:.0f}/{memory.pss_mib:.0f}"
        for name, memory in sorted(idle.items(), key=lambda item: -item[1].rss_mib)
    )
    return [
        f"- Idle memory of the whole stack ({len(idle)} processes or process trees, {idle_seconds} s "
        "after it was ready, once the connections its start-up opened were closed as idle; each "
        f"process's median of {readings[0]} readings {readings[1]:g} s apart, as the pollers' passes "
        "open backends for a few seconds at a time): "
        f"**{total.rss_mib:,.0f} MiB RSS** ({verdict} the goal of ≤ {goal_mib:,.0f} MiB RSS); "
        f"{total.pss_mib:,.0f} MiB PSS. RSS counts a shared library's pages once in every process "
        "that maps it; PSS splits them between those processes, so the PSS figures add up to what "
        "the processes take together. The goal is judged by RSS.",
        f"- Idle memory per process (RSS/PSS MiB): {processes}.",
        "- The floor, measured in the same run: a process that imports only the libraries every"
        " service with a database imports (bench/floor_app.py: FastAPI, uvicorn, asyncpg, httpx,"
        " pydantic-settings), started as the stack starts a service,"
        f" idles at **{floor.rss_mib:.0f} MiB RSS** ({floor.pss_mib:.0f} PSS). The"
        f" {len(with_database)} services with a database would take"
        f" {len(with_database) * floor.rss_mib:,.0f} MiB RSS at that floor alone, before any code of"
        f" their own; with the others as measured ({', '.join(others)}: {sum(others.values()):,.0f} MiB),"
        f" that is {len(with_database) * floor.rss_mib + sum(others.values()):,.0f} MiB RSS before any of"
        " the services' own code.",
    ]


FLOOR_SETTLE_SECONDS = 2.0


async def floor_memory(host: str, log_dir: Path, ready_timeout: float) -> Memory:
    """The idle memory of bench/floor_app.py started as the stack starts a service
    (devstack/stack.py `_process_for`: devstack.serve, the same flags and server environment)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "devstack.serve", "bench.floor_app:create_app", "--factory"]
    argv += ["--host", host, "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "5"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **SERVER_ENV}
    process = ManagedProcess("floor", argv, cwd=ROOT, env=env, log_path=log_dir / "floor.log", echo=False)
    await process.start()
    try:
        await wait_until_ready(f"http://{host}:{port}{READY_PATH}", process, ready_timeout)
        await asyncio.sleep(FLOOR_SETTLE_SECONDS)
        assert process.process is not None
        return process_memory(process.process.pid)
    finally:
        await process.stop()
