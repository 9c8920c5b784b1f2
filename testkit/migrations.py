"""The migration stairway: every revision goes up, down and up again on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testkit.postgres import alembic


def revisions(service_dir: Path) -> list[str]:
    """Revision ids from base to head."""
    env = {**os.environ, "PYTHONPATH": str(service_dir.parent), "DATABASE_URL": "postgresql://unused/x"}
    out = subprocess.run(
        [sys.executable, "-c", _LIST_REVISIONS],
        cwd=service_dir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


_LIST_REVISIONS = """
from alembic.config import Config
from alembic.script import ScriptDirectory
script = ScriptDirectory.from_config(Config("alembic.ini"))
print(" ".join(reversed([r.revision for r in script.walk_revisions()])))
"""


def assert_stairway(service_dir: Path, database_url: str) -> list[str]:
    revs = revisions(service_dir)
    for revision in revs:
        alembic(service_dir, database_url, "upgrade", revision)
        alembic(service_dir, database_url, "downgrade", "-1")
        alembic(service_dir, database_url, "upgrade", revision)
    alembic(service_dir, database_url, "downgrade", "base")
    alembic(service_dir, database_url, "upgrade", "head")
    return revs
