"""`make dev`'s start-up skips `alembic upgrade head` for a database already at the head: the
heads read from the migration files are Alembic's own, and a database is at the head exactly
when Alembic has run there."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from devstack.alembic_heads import script_heads, version_table
from devstack.catalog import ROOT, SERVICES, by_name
from devstack.database import DatabaseServer
from devstack.secrets import ensure_dev_secrets
from devstack.stack import Stack, StackConfig, _all_or_none

MIGRATED = [spec for spec in SERVICES if (spec.path / "alembic.ini").exists()]

_ALEMBIC_HEADS = """
from alembic.config import Config
from alembic.script import ScriptDirectory
print(" ".join(sorted(ScriptDirectory.from_config(Config("alembic.ini")).get_heads())))
"""


def _write_revision(versions: Path, revision: str, down: str) -> None:
    (versions / f"{revision}.py").write_text(
        f'"""Revision {revision}."""\n\nrevision: str = "{revision}"\ndown_revision = {down}\n'
        "\n\ndef upgrade() -> None:\n    pass\n",
        encoding="utf-8",
    )


def test_heads_of_a_history_that_branches_and_merges(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    _write_revision(versions, "a", "None")
    _write_revision(versions, "b", '"a"')
    _write_revision(versions, "c", '"a"')
    assert script_heads(tmp_path) == frozenset({"b", "c"})
    _write_revision(versions, "d", '("b", "c")')
    assert script_heads(tmp_path) == frozenset({"d"})


def test_a_revision_not_written_as_a_literal_leaves_the_decision_to_alembic(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    _write_revision(versions, "a", "None")
    (versions / "b.py").write_text('revision = "b".upper()\ndown_revision = "a"\n', encoding="utf-8")
    assert script_heads(tmp_path) is None
    assert version_table(tmp_path) is None  # no env.py


@pytest.mark.parametrize("spec", MIGRATED, ids=lambda spec: spec.name)
def test_the_heads_read_from_the_files_are_alembics(spec: Any) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{spec.path}"}
    answer = subprocess.run(
        [sys.executable, "-c", _ALEMBIC_HEADS],
        cwd=spec.path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert script_heads(spec.path) == frozenset(answer.stdout.split())
    assert version_table(spec.path) == f"alembic_version_{spec.name}"


@pytest.fixture
def workdir() -> Iterator[Path]:
    """Not pytest's tmp_path: run as root, the embedded server runs as its own user, which must
    reach its data folder; pytest keeps its base folder closed to others (0700), and another suite's
    pytest starting beside this one closes it again under a running server."""
    made = Path(tempfile.mkdtemp(prefix="tiketq-startup-"))
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def test_migrations_run_once_then_are_skipped_at_the_head(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = os.environ.get("TEST_DATABASE_URL")
    config = StackConfig.for_tests(workdir, database_url=database_url)
    config.database_suffix = f"_startup_{uuid.uuid4().hex[:10]}"
    stack = Stack(config)
    stack.secrets = ensure_dev_secrets(config.secrets_dir)
    stack.database = DatabaseServer(database_url, workdir / "pgdata", suffix=config.database_suffix)
    spec = by_name("ppob")
    assert spec.database is not None
    runs: list[tuple[Any, ...]] = []
    real_exec = asyncio.create_subprocess_exec

    async def counting_exec(*argv: Any, **kwargs: Any) -> Any:
        runs.append(argv)
        return await real_exec(*argv, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", counting_exec)

    async def scenario() -> tuple[bool, bool, bool]:
        assert stack.database is not None
        await stack.database.ensure_databases([spec.database or ""])
        try:
            before = await stack._at_head(spec)
            await stack._migrate(spec)
            after = await stack._at_head(spec)
            await stack._migrate(spec)
            # A database behind the head (here: no version recorded) is not taken for migrated.
            conn = await asyncpg.connect(stack.database.url_for(spec.database or ""))
            try:
                await conn.execute("DELETE FROM alembic_version_ppob")
            finally:
                await conn.close()
            behind = await stack._at_head(spec)
            return before, after, behind
        finally:
            await stack.database.drop_databases()

    try:
        before, after, behind = asyncio.run(scenario())
    finally:
        stack.database.stop()
    assert (before, after, behind) == (False, True, False)
    assert len(runs) == 1
    assert "alembic" in runs[0]


def test_a_failed_start_up_step_stops_the_others_and_is_raised_as_it_was() -> None:
    finished: list[str] = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("migrations of ppob-service failed")

    async def slow() -> None:
        await asyncio.sleep(5)
        finished.append("started a process")

    with pytest.raises(RuntimeError, match="ppob-service"):
        asyncio.run(_all_or_none([fails(), slow()]))
    assert finished == []
