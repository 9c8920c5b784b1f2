"""Sign-in throttling through the gateway: attempts are counted before the password is checked,
so a burst of parallel guesses gets at most five answers about the password; the account counter
is per client address, so guesses from one address never lock the owner out elsewhere.

The test client stands where nginx stands (the gateway trusts X-Forwarded-For from loopback), so
each test names its own client addresses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support import Account

LIMIT_PER_ACCOUNT_AND_ADDRESS = 5  # auth-service's default, which the stack runs with


def fresh_address() -> str:
    # Documentation ranges (RFC 5737), a new one per test: the per-address count starts empty.
    n = uuid.uuid4().int
    return f"198.51.{n % 100}.{n // 100 % 250 + 1}"


def sign_in(gateway: httpx.Client, email: str, password: str, address: str) -> httpx.Response:
    return gateway.post(
        "/auth/login", json={"email": email, "password": password}, headers={"X-Forwarded-For": address}
    )


def test_thirty_parallel_wrong_passwords_get_at_most_five_answers_and_the_rest_429(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    attacker = fresh_address()

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda n: sign_in(gateway, user.email, f"guess-{n}", attacker), range(30)))

    statuses = [a.status_code for a in answers]
    assert set(statuses) == {401, 429}, statuses
    assert 1 <= statuses.count(401) <= LIMIT_PER_ACCOUNT_AND_ADDRESS, statuses
    throttled = next(a for a in answers if a.status_code == 429)
    assert throttled.headers["content-type"] == "application/problem+json"
    assert 1 <= int(throttled.headers["retry-after"]) <= 900


def test_guesses_from_one_address_never_lock_the_owner_out_from_another(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    owner = new_account()
    attacker, home = fresh_address(), fresh_address()
    for n in range(LIMIT_PER_ACCOUNT_AND_ADDRESS):
        assert sign_in(gateway, owner.email, f"guess-{n}", attacker).status_code == 401

    from_attacker = sign_in(gateway, owner.email, owner.password, attacker)
    from_home = sign_in(gateway, owner.email, owner.password, home)

    # The attacker's address waits even with the right password (it could be a lucky guess)...
    assert from_attacker.status_code == 429
    assert "retry-after" in from_attacker.headers
    # ...the owner, from anywhere else, signs in; and the Swagger form is throttled alike.
    assert from_home.status_code == 200, from_home.text
    form = gateway.post(
        "/auth/login",
        data={"username": owner.email, "password": owner.password},
        headers={"X-Forwarded-For": attacker},
    )
    assert form.status_code == 429


def test_customers_behind_one_carrier_address_keep_signing_in(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    # Carrier-grade NAT: successes are given back, and the odd typo of many customers behind one
    # address stays far below the per-address limit.
    nat = fresh_address()
    customers = [new_account() for _ in range(8)]
    for customer in customers:
        assert sign_in(gateway, customer.email, "typo", nat).status_code == 401
        assert sign_in(gateway, customer.email, customer.password, nat).status_code == 200
