"""The embedded server's own settings: small shared buffers, no background writer's writes and no
logical replication launcher for every embedded server, and, for the stack's, idle sessions closed
after a time longer than the engines' ping threshold (a closed connection is always pinged and
replaced before use)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import embedded_postgres
from shared.db import IDLE_CONNECTION_SECONDS


def _query(uri: str, sql: str) -> str:
    psql = embedded_postgres.bin_dir() / "psql"
    return subprocess.run(
        [str(psql), "-X", "-A", "-t", "-d", uri, "-c", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    workdir = Path(tempfile.mkdtemp(prefix="tiketq-embedded-"))
    try:
        yield workdir / "pgdata"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _settings(uri: str) -> tuple[str, str, str, str, int]:
    row = _query(
        uri,
        "SELECT current_setting('shared_buffers') || '|' || current_setting('bgwriter_lru_maxpages') || '|'"
        " || current_setting('max_logical_replication_workers') || '|'"
        " || current_setting('idle_session_timeout') || '|'"
        " || (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'logical replication launcher')",
    )
    buffers, writes, workers, timeout, launchers = row.split("|")
    return buffers, writes, workers, timeout, int(launchers)


def test_a_new_server_runs_with_the_stack_settings_and_keeps_them(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    server = embedded_postgres.start(data_dir, embedded_postgres.STACK_SETTINGS)
    try:
        first = _settings(server.get_uri())
    finally:
        server.cleanup()
    server = embedded_postgres.start(data_dir, embedded_postgres.STACK_SETTINGS)
    try:
        again = _settings(server.get_uri())
    finally:
        server.cleanup()
    assert first == again == ("16MB", "0", "0", "10s", 0)


def test_the_stack_closes_idle_sessions_only_after_the_pools_would_close_them() -> None:
    timeout = embedded_postgres.STACK_SETTINGS["idle_session_timeout"]
    match = re.fullmatch(r"(\d+)s", timeout)
    assert match is not None
    assert int(match.group(1)) >= 2 * IDLE_CONNECTION_SECONDS
