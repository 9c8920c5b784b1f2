"""A poller's sleep between passes: doubling while it finds nothing, up to the ceiling, never past
the next due time it read nor under the base; back to the base after a pass that worked; cut
short by a wake-up, or by a pass that worked while it slept. Before a long sleep, the empty
pass's connection is let go."""

from __future__ import annotations

import asyncio

import pytest

from shared.idle_backoff import IdleBackoff


async def test_empty_passes_double_the_wait_up_to_the_ceiling() -> None:
    backoff = IdleBackoff(1.0, 30.0)
    waits = []
    for _ in range(7):
        await backoff.found_nothing()
        waits.append(backoff.wait)
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


async def test_a_pass_that_worked_sets_the_base_interval_again() -> None:
    backoff = IdleBackoff(1.0, 30.0)
    for _ in range(6):
        await backoff.found_nothing()
    backoff.worked()
    assert backoff.wait == 1.0
    await backoff.found_nothing()
    assert backoff.wait == 1.0  # and the doubling starts over
    await backoff.found_nothing()
    assert backoff.wait == 2.0


async def test_the_next_due_time_shortens_the_wait_but_never_under_the_base() -> None:
    backoff = IdleBackoff(1.0, 30.0)
    for _ in range(6):
        await backoff.found_nothing()
    await backoff.found_nothing(next_due_in=7.5)
    assert backoff.wait == 7.5
    await backoff.found_nothing(next_due_in=0.2)
    assert backoff.wait == 1.0
    await backoff.found_nothing(next_due_in=-3.0)  # due already, but held by another pass or replica
    assert backoff.wait == 1.0
    await backoff.found_nothing(next_due_in=500.0)
    assert backoff.wait == 30.0
    await backoff.found_nothing(next_due_in=None)
    assert backoff.wait == 30.0


async def test_a_ceiling_under_the_base_is_the_base_and_the_base_must_be_positive() -> None:
    backoff = IdleBackoff(5.0, 1.0)
    await backoff.found_nothing()
    await backoff.found_nothing()
    assert backoff.wait == 5.0
    with pytest.raises(ValueError, match="positive"):
        IdleBackoff(0.0, 30.0)


async def _sleep_seconds(backoff: IdleBackoff) -> float:
    loop = asyncio.get_running_loop()
    start = loop.time()
    await backoff.sleep()
    return loop.time() - start


async def test_sleep_lasts_the_wait_unless_woken() -> None:
    backoff = IdleBackoff(0.05, 10.0)
    await backoff.found_nothing()
    await backoff.found_nothing()  # 0.1 s
    assert 0.09 <= await _sleep_seconds(backoff) < 0.5
    for _ in range(5):
        await backoff.found_nothing()  # 10 s
    asyncio.get_running_loop().call_later(0.1, backoff.wake)
    assert await _sleep_seconds(backoff) < 0.5


async def test_a_wake_up_before_the_sleep_is_not_lost() -> None:
    backoff = IdleBackoff(0.05, 10.0)
    for _ in range(8):
        await backoff.found_nothing()
    backoff.wake()
    assert await _sleep_seconds(backoff) < 0.05
    backoff.worked()
    assert await _sleep_seconds(backoff) >= 0.045  # rung once, woken once


async def test_a_pass_that_worked_while_the_poller_slept_cuts_the_sleep_to_the_base() -> None:
    backoff = IdleBackoff(0.05, 10.0)
    for _ in range(8):
        await backoff.found_nothing()
    asyncio.get_running_loop().call_later(0.1, backoff.worked)
    assert await _sleep_seconds(backoff) < 0.5


async def test_an_empty_pass_before_a_long_wait_lets_its_connection_go() -> None:
    let_go_after: list[float] = []
    backoff = IdleBackoff(1.0, 30.0, let_go=lambda: _record(let_go_after, backoff.wait))
    for _ in range(6):
        await backoff.found_nothing()  # 1, 2, 4: kept (pinged after 5 s anyway); 8, 16, 30: let go
    await backoff.found_nothing(next_due_in=3.0)  # a retry soon: kept
    backoff.worked()
    assert let_go_after == [8.0, 16.0, 30.0]


async def test_a_failure_to_let_go_is_logged_and_the_poller_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise ConnectionError("database restarting")

    backoff = IdleBackoff(10.0, 30.0, let_go=broken)
    await backoff.found_nothing()
    assert backoff.wait == 10.0
    assert "could not let an idle poller's connection go" in caplog.text


async def _record(into: list[float], wait: float) -> None:
    into.append(wait)
