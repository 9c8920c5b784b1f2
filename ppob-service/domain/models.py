"""PPOB entities: the catalogue, quotes (offers), purchases (bookings) and their documents.

A purchase's lifecycle is the booking contract's transition table (shared.booking_lifecycle): the
hold is a validated quote (nothing is reserved), issue sends the purchase to the aggregator, which
may answer at once or later (pending, finished by callback or status check). A delivered purchase
cannot be taken back: the use case refuses to cancel it (not-cancellable), so it never leaves
`issued`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from shared.booking_lifecycle import (
    BookingStatus,
    Customer,
    Document,
    LineItem,
    check_transition,
    hold_lapsed,
)


class Category(StrEnum):
    PULSA = "pulsa"
    DATA = "data"
    PLN = "pln"
    E_MONEY = "e-money"
    POSTPAID = "postpaid"


CATEGORY_ORDER = list(Category)
TOP_UPS = (Category.PULSA, Category.DATA, Category.E_MONEY)


@dataclass(frozen=True)
class PriceListEntry:
    """One product as the aggregator lists it (its price is our cost)."""

    sku: str
    name: str
    category: Category
    brand: str
    cost: Decimal
    active: bool
    start_cut_off: str = "0:0"
    end_cut_off: str = "0:0"
    description: str = ""
    admin_fee: Decimal | None = None  # postpaid: per bill sheet


@dataclass(frozen=True)
class Margin:
    """Our selling price for prepaid products: cost + flat + percent of cost, in whole rupiah."""

    flat: Decimal = Decimal("1000")
    percent: Decimal = Decimal("0")


@dataclass(frozen=True)
class CatalogueItem:
    product_code: str
    name: str
    category: Category
    brand: str
    price: Decimal
    type: Literal["prepaid", "postpaid"]
    description: str


@dataclass(frozen=True)
class Offer:
    """A validated quote: what the customer buys, for which number, at what price, until when."""

    offer_id: str
    product_code: str
    product_name: str
    category: Category
    brand: str
    customer_no: str
    lines: tuple[LineItem, ...]
    cost: Decimal
    details: dict[str, Any]
    created_at: datetime
    expires_at: datetime

    @property
    def total(self) -> Decimal:
        return sum((line.quantity * line.unit_price for line in self.lines), Decimal("0.00"))

    @property
    def is_bill(self) -> bool:
        return self.category is Category.POSTPAID


@dataclass(frozen=True)
class PlnCustomer:
    customer_no: str
    meter_no: str
    subscriber_id: str
    name: str
    segment_power: str  # "R1 /000001300"

    @property
    def segment(self) -> str:
        return self.segment_power.split("/")[0].strip()

    @property
    def power_va(self) -> int:
        digits = self.segment_power.split("/")[-1].strip()
        return int(digits) if digits.isdigit() else 0


@dataclass(frozen=True)
class BillPeriod:
    period: str  # YYYYMM
    amount: Decimal
    penalty: Decimal
    admin_fee: Decimal


@dataclass(frozen=True)
class Bill:
    customer_no: str
    customer_name: str
    periods: tuple[BillPeriod, ...]
    admin_total: Decimal
    selling_price: Decimal  # what the customer pays: bills + penalties + admin
    cost: Decimal  # what the aggregator takes from our deposit
    extra: dict[str, str] = field(default_factory=dict)


PurchaseState = Literal["success", "pending", "failed"]


@dataclass(frozen=True)
class PurchaseResult:
    """The aggregator's answer about one purchase (first answer, callback or status check)."""

    ref_id: str
    state: PurchaseState
    rc: str
    message: str
    serial: str = ""
    cost: Decimal | None = None
    supplier_reference: str | None = None


@dataclass(frozen=True)
class Booking:
    reference: str
    offer_id: str
    status: BookingStatus
    product_code: str
    product_name: str
    category: Category
    customer_no: str
    lines: tuple[LineItem, ...]
    cost: Decimal
    customer: Customer
    details: dict[str, Any]
    hold_expires_at: datetime
    created_at: datetime
    updated_at: datetime
    documents: tuple[Document, ...] = ()
    failure_reason: str | None = None
    supplier_reference: str | None = None
    checks: int = 0
    next_check_at: datetime | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.quantity * line.unit_price for line in self.lines), Decimal("0.00"))

    @property
    def is_bill(self) -> bool:
        return self.category is Category.POSTPAID

    def status_at(self, now: datetime) -> BookingStatus:
        """A quote past its expiry reads `expired` even before anything wrote it so."""
        return BookingStatus.EXPIRED if hold_lapsed(self.status, self.hold_expires_at, now) else self.status

    def as_of(self, now: datetime) -> Booking:
        return replace(self, status=self.status_at(now))

    def move(self, wanted: BookingStatus, now: datetime, **changes: Any) -> Booking:
        """The purchase in its new status; raises TransitionNotAllowed outside the contract's table
        (cancelling an issued purchase is refused before, as not-cancellable)."""
        check_transition(self.status, wanted)
        return replace(self, status=wanted, updated_at=now, **changes)
