"""devstack/serve.py: a process of the stack never loads what only the tools or `--reload` use."""

from __future__ import annotations

import subprocess
import sys

from devstack.catalog import ROOT

_LOADED = """
import sys
import devstack.serve
import httpx
import uvicorn.supervisors
print(uvicorn.supervisors.ChangeReload.__name__)
print(" ".join(sorted(m for m in ("httpx._main", "trio", "watchfiles", "rich") if sys.modules.get(m))))
"""


def test_uvicorn_runs_without_the_optional_imports() -> None:
    answer = subprocess.run(
        [sys.executable, "-c", _LOADED], cwd=ROOT, capture_output=True, text=True, check=True
    )
    reloader, loaded = [*answer.stdout.splitlines(), ""][:2]
    assert reloader == "StatReload"
    assert loaded == ""
