"""Creating an order: the product's quote decides what is bought; booking_details pass through
untouched; a refusal passes on and records nothing; a hold that cannot be kept is released."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import BookingRefused, ProductAnswerInvalid, ServiceTypeUnavailable
from domain.money_path import MoneyPath
from domain.ports import Booking, HoldRequest, QuoteItem
from domain.records import LineItem, Order, Transaction
from tests.unit.conftest import BUYER, DETAILS, ordered
from tests.unit.memory import MemoryBookings, Store


async def test_an_order_is_recorded_with_its_transaction_audit_and_event(
    money: MoneyPath, store: Store
) -> None:
    order, tx_id = await ordered(money)
    assert order.status == "CONFIRMED"
    (tx,) = store.of(Transaction)
    assert (tx.id, tx.status, tx.amount) == (tx_id, "PENDING", order.total_amount)
    assert [(a.entity_type, a.to_status) for a in store.audit] == [
        ("order", "CONFIRMED"),
        ("transaction", "PENDING"),
    ]
    assert [topic for topic, _ in store.events] == ["transaction.created"]


async def test_the_quote_says_what_is_bought(
    money: MoneyPath, bookings: MemoryBookings, store: Store
) -> None:
    bookings.total = Decimal("2351139.00")
    bookings.items = (
        QuoteItem("Adult fare CGK-DPS", 2, Decimal("1119590.00")),
        QuoteItem("Infant fare CGK-DPS", 1, Decimal("111959.00")),
    )
    order, _tx_id = await ordered(money)
    assert order.line_items == [
        LineItem("Adult fare CGK-DPS", 2, Decimal("1119590.00")),
        LineItem("Infant fare CGK-DPS", 1, Decimal("111959.00")),
    ]
    assert (order.quantity, order.total_amount, order.unit_price) == (
        3,
        Decimal("2351139.00"),
        Decimal("783713.00"),
    )
    assert (store.of(Transaction)[0].amount, order.currency) == (Decimal("2351139.00"), "IDR")


async def test_booking_details_are_forwarded_untouched_and_the_products_copy_is_kept(
    money: MoneyPath, bookings: MemoryBookings
) -> None:
    order, _tx_id = await ordered(money)
    assert [r.booking_details for r in bookings.forwarded] == [DETAILS]
    assert order.booking_details == {**DETAILS, "normalised": True}
    assert (order.booking.status, order.booking.supplier_reference, order.booking.holds_inventory) == (
        "held",
        "HJK1EY",
        True,
    )
    assert order.booking.customer == {
        "first_name": "Budi",
        "last_name": "Santoso",
        "email": "budi@example.co.id",
        "phone": "+6281234567890",
    }


async def test_a_quote_that_does_not_add_up_is_refused_and_its_hold_released(
    money: MoneyPath, bookings: MemoryBookings, store: Store
) -> None:
    bookings.items = (QuoteItem("Adult fare", 1, Decimal("1499999.00")),)
    with pytest.raises(ProductAnswerInvalid) as caught:
        await ordered(money)
    assert caught.value.slug == "booking-service-error"
    assert store.of(Order) == []
    assert bookings.cancelled == list(bookings.held)


async def test_a_hold_that_cannot_be_recorded_is_released(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    store.fail_next_commit = True
    with pytest.raises(RuntimeError):
        await ordered(money)
    assert store.of(Order) == []
    assert bookings.cancelled == list(bookings.held)


async def test_a_refusal_passes_on_with_its_members_and_records_nothing(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    bookings.hold_error = BookingRefused(
        "price-changed", "The price changed.", {"total_price": "1650000.00"}, answered_status=409
    )
    with pytest.raises(BookingRefused) as caught:
        await ordered(money)
    assert caught.value.members == {"total_price": "1650000.00"}
    assert store.of(Order) == []
    assert bookings.cancelled == []


async def test_a_product_without_a_service_cannot_be_ordered(
    money: MoneyPath, bookings: MemoryBookings
) -> None:
    with pytest.raises(ServiceTypeUnavailable):
        await money.create_order(BUYER, "key-1", "hotel", "offer-1", DETAILS)
    assert bookings.forwarded == []


async def test_a_replayed_hold_that_was_released_since_makes_no_order(
    money: MoneyPath, bookings: MemoryBookings, store: Store
) -> None:
    # The first attempt held, could not record the order and released the hold; the product
    # replays that (now cancelled) booking for the same key.
    store.fail_next_commit = True
    with pytest.raises(RuntimeError):
        await ordered(money)
    (reference,) = bookings.held
    bookings.hold_error = None
    replayed = bookings.held[reference]

    async def replay(service_type: str, idempotency_key: str, request: HoldRequest) -> Booking:
        return bookings.held[replayed.reference]

    bookings.hold = replay  # type: ignore[method-assign]
    with pytest.raises(ProductAnswerInvalid) as caught:
        await ordered(money)
    assert "cancelled, not held" in str(caught.value)
    assert store.of(Order) == []
