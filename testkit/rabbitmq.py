"""The broker tier's use of this machine's RabbitMQ (RABBITMQ_URL), shared by several suites that
`make test` runs two at a time: a test that restarts the broker takes it alone, every other
broker test shares it, so a restart never lands in the middle of another suite's test.

The hold is an flock on one file in the temporary folder: shared for ordinary tests (and for
the whole session of tests/broker's stack), exclusive for the whole of a test that restarts it.
A process never holds both.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = Path(tempfile.gettempdir()) / "tiketq-rabbitmq-tests.lock"


@contextmanager
def _held(mode: int) -> Iterator[None]:
    with LOCK_FILE.open("a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def broker_shared() -> Iterator[None]:
    """Hold while using the broker: no restart happens meanwhile."""
    with _held(fcntl.LOCK_SH):
        yield


@contextmanager
def broker_alone() -> Iterator[None]:
    """Hold for the whole of a test that restarts the broker: it waits until no other broker
    test runs, and none starts until it is done (its own connections included)."""
    with _held(fcntl.LOCK_EX):
        yield


@contextmanager
def broker_stopped() -> Iterator[None]:
    """This machine's own RabbitMQ stops for the block and is started again, whatever happens.
    Only inside `broker_alone`."""
    rabbitmqctl = shutil.which("rabbitmqctl")
    assert rabbitmqctl, "rabbitmqctl is needed to restart the broker"
    subprocess.run([rabbitmqctl, "stop_app"], check=True, capture_output=True, timeout=60)
    try:
        yield
    finally:
        subprocess.run([rabbitmqctl, "start_app"], check=True, capture_output=True, timeout=120)
        subprocess.run([rabbitmqctl, "await_startup"], check=True, capture_output=True, timeout=120)
