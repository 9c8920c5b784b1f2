"""The PostgreSQL server the stack uses: the one `DATABASE_URL` names, or an embedded one
(devstack/embedded_postgres.py) when none is given. Either way each service gets its own database."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from devstack import embedded_postgres

logger = logging.getLogger("devstack.database")


class DatabaseServer:
    """`suffix` is appended to every database name. The end-to-end tests give one per run when
    they use a shared server (TEST_DATABASE_URL), so runs side by side, or a run from another
    checkout with other migrations, never meet in one database; `drop_databases` removes them."""

    def __init__(self, admin_url: str | None, data_dir: Path, *, suffix: str = "") -> None:
        self._suffix = suffix
        self._created: list[str] = []
        self._server: embedded_postgres.EmbeddedServer | None = None
        if admin_url:
            self.admin_url = admin_url.replace("postgresql+asyncpg://", "postgresql://")
            self.embedded = False
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._server = embedded_postgres.start(data_dir, embedded_postgres.STACK_SETTINGS)
            self.admin_url = self._server.get_uri()
            self.embedded = True

    def name_for(self, database: str) -> str:
        return database + self._suffix

    def url_for(self, database: str) -> str:
        return urlunsplit(urlsplit(self.admin_url)._replace(path="/" + self.name_for(database)))

    async def ensure_databases(self, names: list[str]) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
            for name in map(self.name_for, names):
                if name not in existing:
                    await conn.execute(f'CREATE DATABASE "{name}"')
                    self._created.append(name)
                    logger.info("created database %s", name)
        finally:
            await conn.close()

    async def applied_revisions(self, database: str, version_table: str) -> frozenset[str]:
        """The revisions Alembic recorded in `version_table` of one database (none: no table yet)."""
        if not version_table.isidentifier():
            raise ValueError(f"not a table name: {version_table!r}")
        conn = await asyncpg.connect(self.url_for(database))
        try:
            # A checked identifier, quoted: a name cannot be a query parameter.
            rows = await conn.fetch(f'SELECT version_num FROM "{version_table}"')  # noqa: S608
        except asyncpg.UndefinedTableError:
            return frozenset()
        finally:
            await conn.close()
        return frozenset(r["version_num"] for r in rows)

    async def drop_databases(self) -> None:
        """Drops the databases this server object created under its suffix (never unsuffixed
        ones: `make dev` keeps its data between runs)."""
        if not self._suffix or not self._created:
            return
        conn = await asyncpg.connect(self.admin_url)
        try:
            for name in self._created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self._created.clear()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
