"""What a service's process loads: its statements run straight on asyncpg (shared/db.py), so no
service imports SQLAlchemy's asyncio extension or its ORM (together ~7 MiB of RSS in each
process). The app is imported as the stack imports it (devstack/serve.py), in a process of its own;
code that would import them later, inside a function, is refused by tools/code_health.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from devstack.catalog import ROOT, SERVICES, ServiceSpec

_LOADED = """
import sys
sys.path[:0] = [".", {root!r}]
import devstack.serve
import app
print(" ".join(sorted(m for m in ("sqlalchemy.ext.asyncio", "sqlalchemy.orm") if m in sys.modules)))
"""


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_a_service_loads_neither_sqlalchemys_asyncio_extension_nor_its_orm(service: ServiceSpec) -> None:
    answer = subprocess.run(
        [sys.executable, "-c", _LOADED.format(root=str(ROOT))],
        cwd=service.path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.strip() == ""
