"""The booking contract's lifecycle and values: the one transition table every product moves by,
quotes that add up to the sen, line items and documents the contract can carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.booking_lifecycle import (
    FINAL,
    TRANSITIONS,
    BookingStatus,
    Document,
    LineItem,
    Quote,
    QuoteDoesNotAddUp,
    TransitionNotAllowed,
    can_transition,
    check_transition,
    hold_lapsed,
    lines_total,
)

S = BookingStatus
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_the_transition_table_is_the_contracts() -> None:
    assert TRANSITIONS[S.HELD] == {S.PENDING, S.ISSUED, S.FAILED, S.CANCELLED, S.EXPIRED}
    assert TRANSITIONS[S.PENDING] == {S.ISSUED, S.FAILED}
    assert TRANSITIONS[S.ISSUED] == {S.CANCELLED}
    assert {S.CANCELLED, S.EXPIRED, S.FAILED} == FINAL
    assert set(TRANSITIONS) == set(BookingStatus)


@pytest.mark.parametrize("final", sorted(FINAL))
def test_nothing_leaves_a_final_status(final: BookingStatus) -> None:
    for target in BookingStatus:
        assert not can_transition(final, target)
        with pytest.raises(
            TransitionNotAllowed, match=f"A {final.value} booking cannot become {target.value}"
        ):
            check_transition(final, target)


def test_a_pending_booking_waits_for_its_supplier_and_cannot_be_cancelled_meanwhile() -> None:
    check_transition(S.PENDING, S.ISSUED)
    check_transition(S.PENDING, S.FAILED)
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(S.PENDING, S.CANCELLED)
    assert (refused.value.current, refused.value.target) == (S.PENDING, S.CANCELLED)


def test_a_hold_lapses_at_its_deadline_only_while_held() -> None:
    deadline = NOW + timedelta(minutes=30)
    assert not hold_lapsed(S.HELD, deadline, NOW)
    assert hold_lapsed(S.HELD, deadline, deadline)
    assert not hold_lapsed(S.ISSUED, deadline, deadline + timedelta(days=1))


def test_a_quote_adds_up_to_the_sen_with_discounts_as_negative_lines() -> None:
    items = (
        LineItem("Adult fare CGK-DPS GA 410 2026-12-20", 2, Decimal("1119590.00")),
        LineItem("Infant fare CGK-DPS GA 410 2026-12-20", 1, Decimal("111959.00")),
        LineItem("Promo TIKETQ10", 1, Decimal("-50000.00")),
    )
    quote = Quote(items, Decimal("2301139.00"))
    assert lines_total(quote.items) == quote.total
    assert quote.currency == "IDR"


def test_a_quote_whose_lines_do_not_make_its_total_is_refused() -> None:
    items = (LineItem("Adult fare", 2, Decimal("100000.00")),)
    with pytest.raises(QuoteDoesNotAddUp, match=r"add up to 200000\.00, not 200000\.01"):
        Quote(items, Decimal("200000.01"))
    with pytest.raises(QuoteDoesNotAddUp, match="at least one line"):
        Quote((), Decimal("0.00"))


@pytest.mark.parametrize(
    ("description", "quantity"), [("", 1), ("x" * 201, 1), ("Adult fare", 0), ("Adult fare", -1)]
)
def test_a_line_the_contract_cannot_carry_is_refused(description: str, quantity: int) -> None:
    with pytest.raises(QuoteDoesNotAddUp):
        LineItem(description, quantity, Decimal("1000.00"))


def test_documents_are_of_the_contracts_kinds_only() -> None:
    token = Document("pln-token", "1234 5678 9012 3456 7890", "PLN token", {"kwh": "64.5"})
    assert dict(token.fields) == {"kwh": "64.5"}
    assert Document("receipt", "R1", "Receipt").fields == {}
    with pytest.raises(ValueError, match="'ticket' is not a document kind"):
        Document("ticket", "T1", "Ticket")
