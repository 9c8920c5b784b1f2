"""Idempotency fingerprints, derived keys, order numbers, charge expiry, refund amounts, and what
each payment status decides for payment, transaction and order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import InvalidRefundAmount, UpstreamProblem
from domain.models import OrderStatus as O
from domain.models import PaymentStatus as P
from domain.models import TransactionStatus as T
from domain.rules import (
    PaymentDecision,
    charge_expiry_minutes,
    decide_payment,
    derived_key,
    fingerprint,
    order_number,
    refund_amount,
)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    a = {"offer_id": "x", "booking_details": {"contact": {"email": "a@b.c", "phone": "1"}, "passengers": []}}
    b = {"booking_details": {"passengers": [], "contact": {"phone": "1", "email": "a@b.c"}}, "offer_id": "x"}
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint({**a, "offer_id": "y"})
    assert len(fingerprint(a)) == 64


def test_derived_keys_are_stable_and_separate_callers() -> None:
    assert derived_key("alice", "k1") == derived_key("alice", "k1")
    assert derived_key("alice", "k1") != derived_key("bob", "k1")
    assert derived_key("a", "bk") != derived_key("ab", "k")


def test_order_numbers() -> None:
    numbers = {order_number(NOW) for _ in range(200)}
    assert len(numbers) == 200
    assert all(re.fullmatch(r"TQ-261127-[A-HJ-NP-Z2-9]{8}", n) for n in numbers)


@pytest.mark.parametrize(
    ("left", "minutes"),
    [
        (timedelta(minutes=20), 20),
        (timedelta(minutes=90), 60),
        (timedelta(seconds=119), 1),
        (timedelta(0), 1),
    ],
)
def test_a_charge_lives_as_long_as_the_hold_at_most_an_hour(left: timedelta, minutes: int) -> None:
    assert charge_expiry_minutes(NOW + left, NOW) == minutes
    assert charge_expiry_minutes(None, NOW) == 60


def test_refund_amounts() -> None:
    paid = Decimal("1500000.00")
    assert refund_amount(None, paid, Decimal(0)) == paid
    assert refund_amount(None, paid, Decimal("500000")) == Decimal("1000000.00")
    assert refund_amount(Decimal("250000"), paid, Decimal(0)) == Decimal("250000.00")
    for requested, refunded in [
        (Decimal("1500000.01"), Decimal(0)),
        (Decimal("1"), paid),
        (Decimal(0), Decimal(0)),
    ]:
        with pytest.raises(InvalidRefundAmount):
            refund_amount(requested, paid, refunded)


def test_upstream_problems_are_transient_or_permanent() -> None:
    assert UpstreamProblem(503, "x").is_transient
    assert UpstreamProblem(504, "x").is_transient
    assert UpstreamProblem(429, "x").is_transient
    assert UpstreamProblem(409, "x").is_permanent
    assert UpstreamProblem(410, "x").is_permanent


def test_paid_on_an_open_order_completes_and_issues() -> None:
    d = decide_payment("paid", P.PENDING, T.PROCESSING, O.CONFIRMED)
    assert d == PaymentDecision(payment=P.PAID, transaction=T.COMPLETED, order=O.PAID, issue_booking=True)


def test_paid_after_the_order_ended_is_recorded_and_refunded() -> None:
    d = decide_payment("paid", P.EXPIRED, T.FAILED, O.CANCELLED)
    assert d.payment is P.PAID
    assert d.refund_late_payment
    assert d.transaction is None
    assert d.order is None
    assert d.reason is not None
    assert "cancelled" in d.reason


@pytest.mark.parametrize(
    ("status", "payment", "tx"),
    [
        ("failed", P.FAILED, T.FAILED),
        ("expired", P.EXPIRED, T.FAILED),
        ("cancelled", P.CANCELLED, T.CANCELLED),
    ],
)
def test_an_unpaid_end_cancels_the_order_and_releases(status: str, payment: P, tx: T) -> None:
    d = decide_payment(status, P.PENDING, T.PROCESSING, O.CONFIRMED)
    assert (d.payment, d.transaction, d.order, d.release_booking) == (payment, tx, O.CANCELLED, True)


def test_unknown_statuses_count_as_failed() -> None:
    assert decide_payment("failure", P.PENDING, T.PROCESSING, O.CONFIRMED).payment is P.FAILED


@pytest.mark.parametrize(
    ("status", "payment"),
    [
        ("pending", P.PENDING),
        ("pending", P.PAID),
        ("expired", P.PAID),
        ("failed", P.REFUNDED),
        ("cancelled", P.EXPIRED),
        ("paid", P.PAID),
        ("paid", P.REFUNDED),
        ("challenge", P.PAID),
    ],
)
def test_stale_and_duplicate_observations_decide_nothing(status: str, payment: P) -> None:
    assert not decide_payment(status, payment, T.COMPLETED, O.COMPLETED).changes_anything


def test_challenge_holds_the_payment_only() -> None:
    d = decide_payment("challenge", P.PENDING, T.PROCESSING, O.CONFIRMED)
    assert d == PaymentDecision(payment=P.CHALLENGE)
    assert decide_payment("paid", P.CHALLENGE, T.PROCESSING, O.CONFIRMED).order is O.PAID


def test_gateway_refunds_are_reconciled_once() -> None:
    kw = {"refunded_at_gateway": Decimal("300000")}
    assert decide_payment("partially_refunded", P.PAID, T.COMPLETED, O.COMPLETED, **kw).reconcile_refunds
    kw["refunded_here"] = Decimal("300000")
    assert not decide_payment("partially_refunded", P.PAID, T.COMPLETED, O.COMPLETED, **kw).changes_anything


def test_an_old_charge_ending_while_a_newer_one_is_open_ends_only_itself() -> None:
    d = decide_payment("expired", P.PENDING, T.PROCESSING, O.CONFIRMED, another_payment_open=True)
    assert (d.payment, d.transaction, d.order, d.release_booking) == (P.EXPIRED, None, None, False)


def test_a_second_payment_for_a_settled_transaction_is_refunded() -> None:
    d = decide_payment("paid", P.EXPIRED, T.COMPLETED, O.COMPLETED)
    assert d.refund_late_payment
    assert d.reason is not None
    assert "paid twice" in d.reason
