"""JSON structured logging with the request id of the request being served."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        # `logger.info("…", extra={"order_id": …})` fields land at the top level.
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request_id = request_id_var.get()
        prefix = f"[{request_id[:8]}] " if request_id else ""
        # uvicorn logs its start-up under "uvicorn.error"; that name only alarms readers.
        name = "uvicorn" if record.name == "uvicorn.error" else record.name
        line = f"{record.levelname:<7} {name}: {prefix}{record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# In a running event loop, lines below WARNING wait up to this long and leave in one write (see
# _StdoutHandler); at most this many wait.
FLUSH_AFTER_SECONDS = 0.05
MOST_WAITING_LINES = 256


class _StdoutHandler(logging.Handler):
    """Writes to whatever sys.stdout is at the time (test runners swap it), a batch at a time.

    Every request logs an access line. Written one at a time, each was a write to a pipe on the
    request's path and woke the process reading the pipe (the container runtime, `make dev`) once
    per line, on the cores the requests need: the gateway's added p99 under load was measurably
    higher with its access log on. So, in a running event loop, a line below WARNING waits up to
    FLUSH_AFTER_SECONDS for the lines after it. A WARNING or worse goes out at once, with those
    waiting before it (order is kept); so does any line logged outside an event loop. The service
    shell writes what is waiting when the app stops, and logging's own shutdown at exit; a process
    killed outright (SIGKILL) loses at most the last FLUSH_AFTER_SECONDS of INFO lines."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[str] = []
        self._flush_due_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:  # called under the handler's lock
        try:
            self._waiting.append(self.format(record))
        except Exception:
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING or len(self._waiting) >= MOST_WAITING_LINES:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()  # no event loop in this thread: nothing would come back to write it
            return
        if self._flush_due_on is not loop:  # not yet due on this loop (or due on one since closed)
            self._flush_due_on = loop
            loop.call_later(FLUSH_AFTER_SECONDS, self._flush_when_due)

    def _flush_when_due(self) -> None:
        # Only the timer clears the mark: a flush before it (a WARNING, the cap) leaves it, so the
        # lines after that wait for this same timer instead of arming another.
        self.acquire()
        try:
            self._flush_due_on = None
            self.flush()
        finally:
            self.release()

    def flush(self) -> None:
        self.acquire()  # a timer's or the shell's call comes outside the lock that emit holds
        try:
            if not self._waiting:
                return
            text = "\n".join(self._waiting) + "\n"
            self._waiting.clear()
            stream = _stdout()
            stream.write(text)
            stream.flush()
        except Exception:  # a closed or broken stdout: said on stderr, as logging says its own errors
            if logging.raiseExceptions:
                traceback.print_exc(file=sys.stderr)
        finally:
            self.release()


def _stdout() -> Any:
    """sys.stdout as it is at the write (the tests put a recorder here)."""
    return sys.stdout


def flush_logs() -> None:
    """Writes the lines waiting in the root logger's handlers now (the service shell, as an app
    stops)."""
    for handler in logging.getLogger().handlers:
        handler.flush()


def configure_logging(service: str, level: str = "INFO", json_output: bool = True) -> None:
    handler = _StdoutHandler()
    handler.setFormatter(JsonFormatter(service) if json_output else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates ours (which carries the request id); keep its errors.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
