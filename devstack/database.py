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
    def __init__(self, admin_url: str | None, data_dir: Path) -> None:
        self._server: embedded_postgres.EmbeddedServer | None = None
        if admin_url:
            self.admin_url = admin_url.replace("postgresql+asyncpg://", "postgresql://")
            self.embedded = False
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._server = embedded_postgres.start(data_dir)
            self.admin_url = self._server.get_uri()
            self.embedded = True

    def url_for(self, database: str) -> str:
        return urlunsplit(urlsplit(self.admin_url)._replace(path="/" + database))

    async def ensure_databases(self, names: list[str]) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
            for name in names:
                if name not in existing:
                    await conn.execute(f'CREATE DATABASE "{name}"')
                    logger.info("created database %s", name)
        finally:
            await conn.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
