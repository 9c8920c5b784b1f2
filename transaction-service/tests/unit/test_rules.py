"""Derived keys, order numbers, charge expiry and items, quotes, refund amounts, and what each
payment status decides for payment, transaction and order."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import InvalidRefundAmount
from domain.models import OrderStatus as O
from domain.models import PaymentStatus as P
from domain.models import TransactionStatus as T
from domain.ports import Quote, QuoteItem
from domain.records import Ending, LineItem
from domain.rules import (
    CHARGE_TO_PAYMENT,
    PaymentDecision,
    cancellation_refund,
    charge_expiry_minutes,
    charge_items,
    decide_payment,
    derived_key,
    order_number,
    refund_amount,
    weighs_other_payments,
    weighs_refunds,
)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


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


@pytest.mark.parametrize(
    ("supplier_refund", "left", "refunded"),
    [
        (Decimal("8325.00"), Decimal("11100.00"), Decimal("8325.00")),  # 75 % of a ferry fare
        (None, Decimal("1500000.00"), Decimal("1500000.00")),  # no fee named: everything
        (Decimal("0.00"), Decimal("1500000.00"), Decimal("0.00")),  # non-refundable
        (Decimal("1600000.00"), Decimal("1500000.00"), Decimal("1500000.00")),  # never more than paid
        (Decimal("1350000.00"), Decimal("1000000.00"), Decimal("1000000.00")),  # nor than is left
        (Decimal("8332.50"), Decimal("11110.00"), Decimal("8332.00")),  # whole rupiah, rounded down
        (Decimal("-5.00"), Decimal("100.00"), Decimal("0.00")),
        (None, Decimal("0.00"), Decimal("0.00")),
    ],
)
def test_a_cancellation_refunds_what_the_supplier_gives_back_at_most_what_is_left(
    supplier_refund: Decimal | None, left: Decimal, refunded: Decimal
) -> None:
    assert cancellation_refund(supplier_refund, left) == refunded


def test_a_quote_adds_up_only_exactly() -> None:
    adult, infant = QuoteItem("Adult", 2, Decimal("1119590.00")), QuoteItem("Infant", 1, Decimal("111959.00"))
    assert Quote((adult, infant), Decimal("2351139.00"), "IDR").adds_up()
    assert Quote((adult, infant), Decimal("2351139.00"), "IDR").quantity == 3
    assert not Quote((adult, infant), Decimal("2351140.00"), "IDR").adds_up()
    assert not Quote((), Decimal("0.00"), "IDR").adds_up()
    assert not Quote((QuoteItem("None", 0, Decimal("1.00")),), Decimal("0.00"), "IDR").adds_up()
    discount = QuoteItem("Promo TIKETQ10", 1, Decimal("-50000.00"))
    assert Quote((adult, discount), Decimal("2189180.00"), "IDR").adds_up()


def test_charge_items_list_the_line_items_when_midtrans_can_carry_them() -> None:
    lines = [
        LineItem("Adult fare CGK-DPS GA 410 2026-12-20 and a very long tail", 2, Decimal("1119590.00")),
        LineItem("Infant fare", 1, Decimal("111959.00")),
        LineItem("Seat selection (free)", 1, Decimal("0.00")),
    ]
    items = charge_items(lines, Decimal("2351139.00"), "flight", "TQ-261127-ABCDEFGH")
    assert [(i.name, i.price, i.quantity) for i in items] == [
        ("Adult fare CGK-DPS GA 410 2026-12-20 and a very lo", Decimal("1119590.00"), 2),
        ("Infant fare", Decimal("111959.00"), 1),
    ]
    assert all(len(i.name) <= 50 for i in items)
    assert sum(i.price * i.quantity for i in items) == Decimal("2351139.00")


def test_charge_items_fall_back_to_one_line_of_the_total() -> None:
    # Sen in a unit price cannot go to Midtrans (whole rupiah only): one line of the total instead.
    lines = [LineItem("PLN token 20k", 3, Decimal("20833.33")), LineItem("Fee", 1, Decimal("1.01"))]
    (only,) = charge_items(lines, Decimal("62501.00"), "ppob", "TQ-261127-ABCDEFGH")
    assert (only.name, only.price, only.quantity) == (
        "TiketQ ppob TQ-261127-ABCDEFGH",
        Decimal("62501.00"),
        1,
    )


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


@pytest.mark.parametrize(
    ("ending", "tx"),
    [
        (Ending(T.FAILED, "hold expired", "system:hold-expiry"), T.FAILED),
        (Ending(T.CANCELLED, "x", "u-1"), T.CANCELLED),
    ],
)
def test_a_charge_stopped_by_its_orders_ender_ends_the_order_the_enders_way(ending: Ending, tx: T) -> None:
    d = decide_payment("expired", P.PENDING, T.PROCESSING, O.CONFIRMED, ending=ending)
    assert (d.payment, d.transaction, d.order, d.reason) == (P.EXPIRED, tx, O.CANCELLED, ending.reason)
    # An old charge ending beside a newer open one still ends only itself, in its own words.
    alone = decide_payment(
        "expired", P.PENDING, T.PROCESSING, O.CONFIRMED, another_payment_open=True, ending=ending
    )
    assert (alone.transaction, alone.order, alone.reason) == (None, None, "payment expired")
    # A payment is never turned into an end: paid still completes.
    assert decide_payment("paid", P.PENDING, T.PROCESSING, O.CONFIRMED, ending=ending).order is O.PAID


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
    at_gateway = Decimal("300000")
    assert decide_payment(
        "partially_refunded", P.PAID, T.COMPLETED, O.COMPLETED, refunded_at_gateway=at_gateway
    ).reconcile_refunds
    assert not decide_payment(
        "partially_refunded",
        P.PAID,
        T.COMPLETED,
        O.COMPLETED,
        refunded_at_gateway=at_gateway,
        refunded_here=Decimal("300000"),
    ).changes_anything


def test_an_old_charge_ending_while_a_newer_one_is_open_ends_only_itself() -> None:
    d = decide_payment("expired", P.PENDING, T.PROCESSING, O.CONFIRMED, another_payment_open=True)
    assert (d.payment, d.transaction, d.order, d.release_booking) == (P.EXPIRED, None, None, False)


def test_a_second_payment_for_a_settled_transaction_is_refunded() -> None:
    d = decide_payment("paid", P.EXPIRED, T.COMPLETED, O.COMPLETED)
    assert d.refund_late_payment
    assert d.reason is not None
    assert "paid twice" in d.reason


@pytest.mark.parametrize("status", [*CHARGE_TO_PAYMENT, "failure"])
def test_a_decision_weighs_other_payments_and_refunds_only_for_the_statuses_that_say_so(status: str) -> None:
    # The paid event reads the other payments and the refunds in flight only for such statuses:
    # for any other, no value of theirs may change the decision.
    at_gateway = Decimal("300000")
    for payment, tx, order in itertools.product(P, T, O):
        decisions = [
            decide_payment(
                status,
                payment,
                tx,
                order,
                refunded_at_gateway=at_gateway,
                refunded_here=here,
                another_payment_open=other,
            )
            for here, other in ((Decimal(0), False), (at_gateway, False), (Decimal(0), True))
        ]
        if not weighs_refunds(status):
            assert decisions[0] == decisions[1], (payment, tx, order)
        if not weighs_other_payments(status):
            assert decisions[0] == decisions[2], (payment, tx, order)
    assert weighs_other_payments("expired")
    assert weighs_refunds("refunded")
    assert not weighs_other_payments("paid")
    assert not weighs_refunds("paid")
