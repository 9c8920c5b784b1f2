"""shared/logging.py: a service's log lines leave stdout in batches while its event loop runs,
never out of order, never later than FLUSH_AFTER_SECONDS, and a WARNING at once."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest

from shared import logging as service_logging
from shared.logging import FLUSH_AFTER_SECONDS, MOST_WAITING_LINES, configure_logging
from shared.service_app import create_service_app
from shared.settings import RuntimeSettings
from testkit.asgi import running_app


class _Stdout:
    """sys.stdout as the handler sees it: each write kept apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None: ...

    @property
    def lines(self) -> list[str]:
        return "".join(self.writes).splitlines()


@pytest.fixture
def stdout(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Stdout]:
    """The service's logging, writing to a _Stdout (not sys.stdout: pytest's capture puts its own
    back as each test phase starts)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("demo", "INFO", json_output=False)
    out = _Stdout()
    monkeypatch.setattr(service_logging, "_stdout", lambda: out)
    yield out
    root.handlers[:], root.level = handlers, level


log = logging.getLogger("demo.test")


async def test_lines_in_a_running_loop_leave_together_within_the_flush_delay(stdout: _Stdout) -> None:
    for n in range(5):
        log.info("line %d", n)
    assert stdout.writes == []
    await asyncio.sleep(FLUSH_AFTER_SECONDS * 2)
    assert len(stdout.writes) == 1
    assert stdout.lines == [f"INFO    demo.test: line {n}" for n in range(5)]


async def test_a_warning_goes_at_once_after_the_lines_waiting_before_it(stdout: _Stdout) -> None:
    log.info("first")
    log.warning("trouble")
    assert stdout.lines == ["INFO    demo.test: first", "WARNING demo.test: trouble"]
    log.info("after")
    await asyncio.sleep(FLUSH_AFTER_SECONDS * 2)
    assert stdout.lines[-1] == "INFO    demo.test: after"


async def test_no_more_than_the_most_waiting_lines_wait(stdout: _Stdout) -> None:
    for n in range(MOST_WAITING_LINES):
        log.info("line %d", n)
    assert len(stdout.writes) == 1
    assert len(stdout.lines) == MOST_WAITING_LINES


def test_outside_an_event_loop_each_line_is_written_at_once(stdout: _Stdout) -> None:
    log.info("no loop here")
    assert stdout.lines == ["INFO    demo.test: no loop here"]


async def test_a_line_from_another_thread_is_written_at_once_after_the_waiting_ones(stdout: _Stdout) -> None:
    log.info("from the loop")
    worker = threading.Thread(target=log.info, args=("from a thread",))
    worker.start()
    worker.join()
    assert stdout.lines == ["INFO    demo.test: from the loop", "INFO    demo.test: from a thread"]


def test_lines_left_by_a_closed_loop_are_written_by_the_next_one(stdout: _Stdout) -> None:
    async def only_log() -> None:
        log.info("from the first loop")

    asyncio.run(only_log())  # closes before the flush was due
    assert stdout.writes == []

    async def log_and_wait() -> None:
        log.info("from the second loop")
        await asyncio.sleep(FLUSH_AFTER_SECONDS * 2)

    asyncio.run(log_and_wait())
    assert stdout.lines == [
        "INFO    demo.test: from the first loop",
        "INFO    demo.test: from the second loop",
    ]


async def test_the_service_shell_writes_what_is_waiting_as_the_app_stops(
    stdout: _Stdout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_logging, "FLUSH_AFTER_SECONDS", 60.0)  # only the stop writes it
    app = create_service_app(
        name="demo",
        title="Demo",
        version="1",
        description="demo",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False, LOG_LEVEL="INFO"),
    )
    stdout.writes.clear()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    async with running_app(app) as client:
        await client.get("/hello", headers={"X-Request-ID": "batch-1"})
    assert "INFO    access: [batch-1] GET /hello 200" in stdout.lines
