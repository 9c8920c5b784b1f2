"""Every legal and every illegal transition of the order, transaction, payment and refund tables."""

from __future__ import annotations

import itertools

import pytest

from domain.errors import InvalidTransition
from domain.models import OrderStatus, PaymentStatus, RefundStatus, TransactionStatus, can_move, check

Os, T, P, R = OrderStatus, TransactionStatus, PaymentStatus, RefundStatus

LEGAL: dict[str, set[tuple[str, str]]] = {
    "order": {
        (Os.DRAFT, Os.CONFIRMED),
        (Os.DRAFT, Os.CANCELLED),
        (Os.CONFIRMED, Os.PAID),
        (Os.CONFIRMED, Os.CANCELLED),
        (Os.PAID, Os.COMPLETED),
        (Os.PAID, Os.CANCELLED),
        (Os.COMPLETED, Os.CANCELLED),
    },
    "transaction": {
        (T.PENDING, T.PROCESSING),
        (T.PENDING, T.COMPLETED),
        (T.PENDING, T.FAILED),
        (T.PENDING, T.CANCELLED),
        (T.PROCESSING, T.COMPLETED),
        (T.PROCESSING, T.FAILED),
        (T.PROCESSING, T.CANCELLED),
        (T.COMPLETED, T.REFUNDED),
        (T.FAILED, T.REFUNDED),
        (T.CANCELLED, T.REFUNDED),
    },
    "payment": {
        (P.PENDING, P.PAID),
        (P.PENDING, P.FAILED),
        (P.PENDING, P.EXPIRED),
        (P.PENDING, P.CANCELLED),
        (P.PENDING, P.CHALLENGE),
        (P.CHALLENGE, P.PAID),
        (P.CHALLENGE, P.FAILED),
        (P.CHALLENGE, P.EXPIRED),
        (P.CHALLENGE, P.CANCELLED),
        (P.PAID, P.REFUNDED),
        (P.PAID, P.PARTIALLY_REFUNDED),
        (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED),
        (P.PARTIALLY_REFUNDED, P.REFUNDED),
        (P.FAILED, P.PAID),
        (P.EXPIRED, P.PAID),
        (P.CANCELLED, P.PAID),
    },
    "refund": {(R.PENDING, R.SUCCEEDED), (R.PENDING, R.FAILED)},
}
STATES: dict[str, list[str]] = {
    "order": list(Os),
    "transaction": list(T),
    "payment": list(P),
    "refund": list(R),
}
ALL_PAIRS = [
    (entity, a, b) for entity, states in STATES.items() for a, b in itertools.product(states, states)
]


@pytest.mark.parametrize(("entity", "current", "target"), ALL_PAIRS, ids=lambda v: str(v))
def test_every_pair_is_legal_exactly_when_the_table_says_so(entity: str, current: str, target: str) -> None:
    legal = (current, target) in LEGAL[entity]
    assert can_move(entity, current, target) is legal
    if legal:
        check(entity, current, target)
    else:
        with pytest.raises(InvalidTransition) as caught:
            check(entity, current, target)
        assert (caught.value.entity, caught.value.current, caught.value.target) == (entity, current, target)


def test_the_seed_states_and_no_others() -> None:
    assert [s.value for s in Os] == ["DRAFT", "CONFIRMED", "PAID", "CANCELLED", "COMPLETED"]
    assert [s.value for s in T] == ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED"]


def test_terminal_states() -> None:
    assert not any(can_move("order", Os.CANCELLED, s) for s in Os)
    assert not any(can_move("transaction", T.REFUNDED, s) for s in T)
    assert not any(can_move("payment", P.REFUNDED, s) for s in P)
