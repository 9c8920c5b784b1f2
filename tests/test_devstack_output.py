"""devstack/processes.py: a child's output reaches its log file, the console and the kept tail
line for line, however the pipe cuts it: lines split across reads, a character split between
bytes, bytes that are not UTF-8, a last line without its newline."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from devstack.processes import ManagedProcess

# The child writes in pieces, flushing between them, so the reads cut where it cut.
_CHILD = r"""
import sys, time
out = sys.stdout.buffer
for piece in (b"first line\nsecond ", b"line\nRp 150.000 \xe2\x80", b"\x94 ok\n", b"odd \xff byte\n",
              b"\n".join(b"many %d" % n for n in range(300)) + b"\n", b"no newline at the end"):
    out.write(piece)
    out.flush()
    time.sleep(0.02)
"""

_EXPECTED = [
    "first line",
    "second line",
    "Rp 150.000 \u2014 ok",
    "odd \ufffd byte",
    *(f"many {n}" for n in range(300)),
    "no newline at the end",
]


async def test_the_output_arrives_whole_in_the_log_the_console_and_the_tail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "child.log"
    child = ManagedProcess("child", [sys.executable, "-c", _CHILD], cwd=tmp_path, env={}, log_path=log)
    await child.start()
    await child.wait()
    for _ in range(500):  # the pipe may still hold the end of it when the child has exited
        if child.tail and child.tail[-1] == _EXPECTED[-1]:
            break
        await asyncio.sleep(0.01)

    assert log.read_text(encoding="utf-8").splitlines() == _EXPECTED
    console = capsys.readouterr().out.splitlines()
    assert console == [f"       child | {line}" for line in _EXPECTED]
    assert list(child.tail) == _EXPECTED[-60:]
