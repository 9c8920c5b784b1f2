from __future__ import annotations

import asyncio

import pytest

from domain.errors import InvalidCredentials, InvalidRefreshToken, RefreshTokenReused, TooManyLoginAttempts
from domain.models import Account, hash_refresh_token
from domain.registration import Registration
from domain.sessions import Sessions
from tests.fakes import FakeClock, FakeHasher, FakeThrottle, Store
from tests.unit.conftest import REFRESH_TTL, actor

PASSWORD = "rahasia-123"


@pytest.fixture
async def user(registration: Registration) -> Account:
    return await registration.register("budi@example.com", PASSWORD, None, None)


async def test_login_returns_an_access_token_and_a_stored_hashed_refresh_token(
    sessions: Sessions, user: Account, store: Store
) -> None:
    pair = await sessions.login("BUDI@example.com", PASSWORD, "10.0.0.1")

    assert pair.access_token == f"access:{user.id}:user:v0"
    assert pair.token_type == "bearer"
    assert pair.expires_in == 900
    (stored,) = store.refresh_tokens.values()
    assert stored.token_hash == hash_refresh_token(pair.refresh_token)
    assert pair.refresh_token not in stored.token_hash
    assert stored.account_id == user.id


async def test_wrong_password_and_unknown_email_fail_alike(
    sessions: Sessions, user: Account, hasher: FakeHasher
) -> None:
    with pytest.raises(InvalidCredentials) as wrong_password:
        await sessions.login("budi@example.com", "wrong-password", None)
    before = hasher.verifications
    with pytest.raises(InvalidCredentials) as unknown_email:
        await sessions.login("nobody@example.com", PASSWORD, None)

    assert str(wrong_password.value) == str(unknown_email.value)
    # An unknown email still costs one password verification, so timing does not tell.
    assert hasher.verifications == before + 1


async def test_after_prepare_an_unknown_email_costs_one_verification_and_no_hashing(
    sessions: Sessions, hasher: FakeHasher
) -> None:
    await sessions.prepare()
    hashes, verifications = hasher.hashes, hasher.verifications

    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await sessions.login("nobody@example.com", PASSWORD, None)

    assert hasher.hashes == hashes
    assert hasher.verifications == verifications + 2


async def test_an_inactive_account_cannot_log_in_even_with_the_right_password(
    sessions: Sessions, user: Account, store: Store
) -> None:
    store.accounts[user.id].is_active = False

    with pytest.raises(InvalidCredentials):
        await sessions.login("budi@example.com", PASSWORD, None)


async def test_repeated_failures_are_throttled_and_success_clears_the_count(
    sessions: Sessions, user: Account, throttle: FakeThrottle
) -> None:
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await sessions.login("budi@example.com", "wrong-password", None)
    await sessions.login("budi@example.com", PASSWORD, None)
    assert throttle.failures == {}

    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await sessions.login("budi@example.com", "wrong-password", None)
    with pytest.raises(TooManyLoginAttempts) as blocked:
        await sessions.login("budi@example.com", PASSWORD, None)
    assert blocked.value.retry_after_seconds == 60


async def test_a_throttled_attempt_never_reaches_the_password_check(
    sessions: Sessions, user: Account, throttle: FakeThrottle, hasher: FakeHasher
) -> None:
    throttle.failures["budi@example.com"] = throttle.max_failures
    before = hasher.verifications

    with pytest.raises(TooManyLoginAttempts):
        await sessions.login("budi@example.com", PASSWORD, None)

    assert hasher.verifications == before


async def test_parallel_guesses_are_counted_before_any_password_is_checked(
    sessions: Sessions, user: Account, throttle: FakeThrottle, hasher: FakeHasher
) -> None:
    fast_verify = hasher.verify

    async def slow_verify(password: str, password_hash: str) -> bool:
        await asyncio.sleep(0.01)  # as argon2 in its thread pool: every guess arrives meanwhile
        return await fast_verify(password, password_hash)

    hasher.verify = slow_verify  # type: ignore[method-assign]
    # Ten guesses at once: each is counted on arrival, so only the first three reach argon2.
    outcomes = await asyncio.gather(
        *(sessions.login("budi@example.com", "wrong-password", None) for _ in range(10)),
        return_exceptions=True,
    )

    assert sum(isinstance(o, InvalidCredentials) for o in outcomes) == 3
    assert sum(isinstance(o, TooManyLoginAttempts) for o in outcomes) == 7


async def test_an_outage_while_checking_is_not_held_against_the_account(
    sessions: Sessions, user: Account, throttle: FakeThrottle, hasher: FakeHasher
) -> None:
    async def broken(password: str, password_hash: str) -> bool:
        raise ConnectionError("database gone")

    hasher.verify = broken  # type: ignore[method-assign]

    with pytest.raises(ConnectionError):
        await sessions.login("budi@example.com", PASSWORD, None)

    assert throttle.released == 1
    assert throttle.failures["budi@example.com"] == 0


async def test_refresh_rotates_the_token_within_its_family(
    sessions: Sessions, user: Account, store: Store
) -> None:
    first = await sessions.login("budi@example.com", PASSWORD, None)

    second = await sessions.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    old = next(
        t for t in store.refresh_tokens.values() if t.token_hash == hash_refresh_token(first.refresh_token)
    )
    new = next(
        t for t in store.refresh_tokens.values() if t.token_hash == hash_refresh_token(second.refresh_token)
    )
    assert old.used_at is not None
    assert new.used_at is None
    assert old.family_id == new.family_id


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    sessions: Sessions, user: Account, store: Store
) -> None:
    stolen = await sessions.login("budi@example.com", PASSWORD, None)
    other_device = await sessions.login("budi@example.com", PASSWORD, None)
    legit = await sessions.refresh(stolen.refresh_token)

    with pytest.raises(RefreshTokenReused):
        await sessions.refresh(stolen.refresh_token)

    # The newest token of that family is dead too; the other login's family is untouched.
    with pytest.raises(InvalidRefreshToken):
        await sessions.refresh(legit.refresh_token)
    assert await sessions.refresh(other_device.refresh_token)


async def test_an_expired_refresh_token_is_refused(
    sessions: Sessions, user: Account, clock: FakeClock
) -> None:
    pair = await sessions.login("budi@example.com", PASSWORD, None)
    clock.advance(seconds=REFRESH_TTL.total_seconds() + 1)

    with pytest.raises(InvalidRefreshToken):
        await sessions.refresh(pair.refresh_token)


async def test_an_unknown_refresh_token_is_refused(sessions: Sessions) -> None:
    with pytest.raises(InvalidRefreshToken):
        await sessions.refresh("made-up")


async def test_refresh_for_a_deactivated_account_is_refused(
    sessions: Sessions, user: Account, store: Store
) -> None:
    pair = await sessions.login("budi@example.com", PASSWORD, None)
    store.accounts[user.id].is_active = False

    with pytest.raises(InvalidRefreshToken):
        await sessions.refresh(pair.refresh_token)


async def test_refreshed_access_token_carries_the_current_version_and_role(
    sessions: Sessions, user: Account, store: Store
) -> None:
    pair = await sessions.login("budi@example.com", PASSWORD, None)
    store.accounts[user.id].token_version = 4

    refreshed = await sessions.refresh(pair.refresh_token)

    assert refreshed.access_token == f"access:{user.id}:user:v4"


async def test_logout_bumps_the_token_version_and_revokes_every_refresh_token(
    sessions: Sessions, user: Account, store: Store
) -> None:
    phone = await sessions.login("budi@example.com", PASSWORD, None)
    laptop = await sessions.login("budi@example.com", PASSWORD, None)

    await sessions.logout(actor(user))

    assert store.accounts[user.id].token_version == 1
    for token in (phone, laptop):
        with pytest.raises(InvalidRefreshToken):
            await sessions.refresh(token.refresh_token)
