"""Replicas: instances in turn; one that refused a connection waits at the back of the line for a
while, and is still tried when nothing else answers."""

from __future__ import annotations

import httpx
import pytest

from adapters.replicas import SET_ASIDE_SECONDS, Instance, Replicas, instance


class Scripted(httpx.AsyncBaseTransport):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.refuses = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.log.append(self.name)
        if self.refuses:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, text=self.name)


def _request(chosen: Instance) -> httpx.Request:
    return httpx.Request("GET", chosen.base + "/x")


async def test_a_refusing_instance_is_tried_last_until_its_time_is_up() -> None:
    log: list[str] = []
    now = [0.0]
    a, b, c = Scripted("a", log), Scripted("b", log), Scripted("c", log)
    replicas = Replicas(
        [instance("http://a", a), instance("http://b", b), instance("http://c", c)], clock=lambda: now[0]
    )
    answered = [(await replicas.send(_request))[1].text for _ in range(3)]
    assert answered == ["a", "b", "c"]
    log.clear()
    b.refuses = True
    answered = [(await replicas.send(_request))[1].text for _ in range(3)]
    assert answered == ["a", "c", "c"]
    assert log == ["a", "b", "c", "c"]  # b refused once, then waited at the back
    log.clear()
    b.refuses = False
    now[0] = SET_ASIDE_SECONDS + 0.1
    answered = [(await replicas.send(_request))[1].text for _ in range(3)]
    assert answered == ["a", "b", "c"]


async def test_when_every_instance_refuses_the_last_failure_is_raised() -> None:
    log: list[str] = []
    a, b = Scripted("a", log), Scripted("b", log)
    a.refuses = b.refuses = True
    replicas = Replicas([instance("http://a", a), instance("http://b:81/p/", b)])
    assert replicas.instances[1].base == "http://b:81/p"
    assert replicas.instances[1].origin == b"http://b:81"
    with pytest.raises(httpx.ConnectError):
        await replicas.send(_request)
    assert log == ["a", "b"]
