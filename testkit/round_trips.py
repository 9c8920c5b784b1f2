"""Round trips to PostgreSQL counted at the driver, for tests that hold a service's round trips
per step to a budget: every BEGIN, COMMIT and ROLLBACK and every statement asyncpg sends, on a
connection or through a prepared statement (SQLAlchemy's), prepares apart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asyncpg.connection import Connection
from asyncpg.prepared_stmt import PreparedStatement

from shared.logging import request_id_var


class RoundTrips:
    def __init__(self) -> None:
        self.sent: list[str] = []
        # The request id (shared.logging) each statement was sent under, None outside a request.
        self.requests: list[str | None] = []

    def take(self, *, requests_only: bool = False) -> list[str]:
        """What was sent since the last take, prepares left out: a connection prepares each
        statement once, and which pooled connection a step gets is chance. `requests_only`: only
        what requests sent (and the work they handed on), not a service's own background passes
        (purges, sweeps), which may fall inside a step when the machine is busy."""
        sent, self.sent = self.sent, []
        requests, self.requests = self.requests, []
        return [
            s
            for s, request in zip(sent, requests, strict=True)
            if not s.startswith("PREPARE ") and (request is not None or not requests_only)
        ]


def count_round_trips(monkeypatch: pytest.MonkeyPatch) -> RoundTrips:
    """Starts counting (until `monkeypatch` undoes it at the test's end)."""
    seen = RoundTrips()

    def counting(cls: type[Any], name: str, label: Callable[[Any, tuple[Any, ...]], str]) -> None:
        original: Callable[..., Awaitable[Any]] = getattr(cls, name)

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen.sent.append(label(self, args))
            seen.requests.append(request_id_var.get())
            return await original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, counted)

    # What asyncpg sends: BEGIN/COMMIT/ROLLBACK and the statements run on a connection itself (a
    # plain asyncpg pool's: execute and fetch*), prepares, and each prepared statement's
    # execution (SQLAlchemy's).
    counting(Connection, "execute", lambda _, args: str(args[0]))
    for name in ("fetch", "fetchrow", "fetchval"):
        counting(Connection, name, lambda _, args: str(args[0]))
    counting(Connection, "prepare", lambda _, args: "PREPARE " + str(args[0]))
    for name in ("fetch", "fetchrow", "fetchval", "executemany"):
        counting(PreparedStatement, name, lambda stmt, _: stmt.get_query())
    return seen
