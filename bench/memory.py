"""Resident memory of a process tree, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


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


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(roots: list[int]) -> float:
    children = _children_map()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return sum(_rss_kib(pid) for pid in seen) / 1024


def postmaster_pids(data_dir: Path) -> list[int]:
    pid_file = data_dir / "postmaster.pid"
    if pid_file.exists():
        return [int(pid_file.read_text().splitlines()[0])]
    return []
