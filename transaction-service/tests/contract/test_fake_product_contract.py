"""The fake product (tests/fake_product.py) passes the booking contract suite that every product
service runs (testkit/booking_contract.py), in both of its shapes: a PLN-token-like product
(a quote, issuance that may go pending, not cancellable once delivered) and a ferry-like one
(inventory held, cancellable after issue). So what the money path's tests prove with it holds
for any product that passes the same suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

import httpx
import pytest

from testkit.booking_contract import (
    Bookable,
    BookingContract,
    HoldsInventoryContract,
    PendingIssuanceContract,
    QuoteOnlyContract,
    booking_api_for,
)
from tests.fake_product import FakeProduct
from tests.fakes import INTERNAL_TOKEN

CONTACT = {"name": "Budi Santoso", "email": "budi@example.co.id", "phone": "081234567890"}


class ProductDriver:
    """The contract suite's `ProductUnderTest` for a FakeProduct."""

    def __init__(self, fake: FakeProduct) -> None:
        self.fake = fake
        self.service_type = fake.service_type
        self.cancellable_after_issue = fake.cancellable_after_issue

    async def bookable(self) -> Bookable:
        return Bookable(self.fake.offer(), {"customer_number": "532110004567", "contact": dict(CONTACT)})

    def broken_details(self, bookable: Bookable) -> dict[str, Any]:
        return {"customer_number": "12", "contact": {**CONTACT, "phone": "12345"}}

    async def last_unit(self) -> Bookable:
        offer = self.fake.offer([("Deck passenger Merak-Bakauheni", 1, Decimal("65000.00"))], units=1)
        return Bookable(offer, {"customer_number": "532110004567", "contact": dict(CONTACT)})

    def second_customer(self, bookable: Bookable) -> dict[str, Any]:
        contact = {"name": "Siti Rahayu", "email": "siti@example.com", "phone": "081298765432"}
        return {"customer_number": "532110009999", "contact": contact}

    async def expire_hold(self, booking_reference: str) -> None:
        self.fake.clock_offset += timedelta(minutes=self.fake.hold_minutes + 1)

    async def next_issue_pending(self, outcome: Literal["issued", "failed"]) -> None:
        self.fake.next_issue("pending-issued" if outcome == "issued" else "pending-failed")

    async def settle_pending(self, booking_reference: str) -> None:
        self.fake.settle(booking_reference)


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeProduct:
    shape: dict[str, Any] = getattr(request.cls, "shape", {})
    return FakeProduct(token=INTERNAL_TOKEN, **shape)


@pytest.fixture
def product(fake: FakeProduct) -> ProductDriver:
    return ProductDriver(fake)


@pytest.fixture
async def booking_api(fake: FakeProduct) -> AsyncIterator[httpx.AsyncClient]:
    async with booking_api_for(fake.app, INTERNAL_TOKEN) as client:
        yield client


class TestQuoteOnlyPendingProduct(BookingContract, QuoteOnlyContract, PendingIssuanceContract):
    shape = {"service_type": "ppob", "holds_inventory": False, "cancellable_after_issue": False}


class TestHoldingProduct(BookingContract, HoldsInventoryContract):
    shape = {"service_type": "ferry", "holds_inventory": True, "cancellable_after_issue": True}
