"""`make test`'s broker (RabbitMQ) and Redis tiers (tools/run_tests.py): they run only where their
URL is set and its server answers; elsewhere the summary names the tier and why, and the suites
get no URL that would make every test of the tier fail."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tools.run_tests import ROOT, server_tier, suite_environment, tier_suites, tiers_not_run


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def test_an_unset_url_is_a_tier_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RABBITMQ_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "")
    missing = tiers_not_run()
    assert missing["broker (RabbitMQ)"] == "RABBITMQ_URL is not set"
    assert missing["Redis"] == "REDIS_URL is not set"
    assert ("broker (RabbitMQ end-to-end)", ROOT / "tests" / "broker", []) not in tier_suites()


def test_a_url_whose_server_does_not_answer_is_a_tier_not_run_and_leaves_the_suites(
    monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("RABBITMQ_URL", f"amqp://guest:guest@127.0.0.1:{closed_port}/")
    why = tiers_not_run()["broker (RabbitMQ)"]
    assert why.startswith(f"RABBITMQ_URL (127.0.0.1:{closed_port}) does not answer")
    assert "RABBITMQ_URL" not in suite_environment()
    assert all(name != "broker (RabbitMQ end-to-end)" for name, _, _ in tier_suites())


def test_a_url_whose_server_answers_runs_the_tier(
    monkeypatch: pytest.MonkeyPatch, listening_port: int
) -> None:
    url = f"redis://127.0.0.1:{listening_port}/0"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("RABBITMQ_URL", f"amqp://guest:guest@127.0.0.1:{listening_port}/")
    assert server_tier("REDIS_URL", 6379) is None
    missing = tiers_not_run()
    assert "Redis" not in missing
    assert "broker (RabbitMQ)" not in missing
    assert suite_environment()["REDIS_URL"] == url
    assert ("broker (RabbitMQ end-to-end)", ROOT / "tests" / "broker", []) in tier_suites()


def test_a_url_without_a_port_uses_the_servers_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1/")
    why = server_tier("RABBITMQ_URL", 1)  # port 1: nothing listens there
    assert why is not None
    assert "127.0.0.1:1" in why
