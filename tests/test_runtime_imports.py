"""What a service's process loads: its statements are plain SQL run straight on asyncpg
(shared/db.py), so no service imports SQLAlchemy (~14 MiB of RSS in each process with its asyncpg
dialect) nor Alembic; they and the table declarations (shared/schema.py, each service's
adapters/tables.py) are for the migrations, which run in a process of their own, and the tests.
The app is imported as the stack imports it (devstack/serve.py), in a process of its own; code
that would import them later, inside a function, is refused by tools/code_health.py."""

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
banned = ("sqlalchemy", "alembic", "shared.schema", "adapters.tables")
print(" ".join(sorted(m for m in sys.modules if m in banned or m.startswith(("sqlalchemy.", "alembic.")))))
"""


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_a_service_loads_neither_sqlalchemy_nor_its_tables(service: ServiceSpec) -> None:
    answer = subprocess.run(
        [sys.executable, "-c", _LOADED.format(root=str(ROOT))],
        cwd=service.path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.strip() == ""
