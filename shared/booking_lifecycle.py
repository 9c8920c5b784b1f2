"""The booking contract's lifecycle and values, as every product's domain uses them
(docs/booking-contract.md): the statuses and the one transition table, the quote with its line
items, the customer, the contact, the documents, and the booking as the contract shows it.

Pure Python: a product's domain imports this module, so it imports no framework (the import
contracts check the domain's transitive imports). The wire side (pydantic bodies, problems, the
routes) is shared/booking_api.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

CURRENCY = "IDR"
DESCRIPTION_MAX = 200  # what transaction-service stores as an order's line item


class BookingStatus(StrEnum):
    HELD = "held"
    PENDING = "pending"
    ISSUED = "issued"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


# The only status changes a booking may make; cancelled, expired and failed are final. A product
# that cannot take an issued booking back (a delivered PLN token) refuses that cancel itself,
# with its business reason, before it would ever ask for the move.
TRANSITIONS: Mapping[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.HELD: frozenset(
        {
            BookingStatus.PENDING,
            BookingStatus.ISSUED,
            BookingStatus.FAILED,
            BookingStatus.CANCELLED,
            BookingStatus.EXPIRED,
        }
    ),
    BookingStatus.PENDING: frozenset({BookingStatus.ISSUED, BookingStatus.FAILED}),
    BookingStatus.ISSUED: frozenset({BookingStatus.CANCELLED}),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.EXPIRED: frozenset(),
    BookingStatus.FAILED: frozenset(),
}
FINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    return target in TRANSITIONS[current]


class TransitionNotAllowed(Exception):
    """A status change the transition table does not allow (a bug or a stale read, never the
    caller's input): every product maps it to 409 `invalid-transition`."""

    def __init__(self, current: BookingStatus, target: BookingStatus) -> None:
        self.current = current
        self.target = target
        super().__init__(f"A {current.value} booking cannot become {target.value}.")


def check_transition(current: BookingStatus, target: BookingStatus) -> None:
    """Raises TransitionNotAllowed unless the table allows `current` → `target`."""
    if not can_transition(current, target):
        raise TransitionNotAllowed(current, target)


class QuoteDoesNotAddUp(ValueError):
    """A quote whose lines do not make its total, or a line the contract cannot carry: our bug,
    never shown to a caller as if it were a price (transaction-service would refuse it)."""


@dataclass(frozen=True)
class LineItem:
    """One line of a quote: `unit_price` may be negative (a discount); quantity is at least 1."""

    description: str
    quantity: int
    unit_price: Decimal

    def __post_init__(self) -> None:
        if not 1 <= len(self.description) <= DESCRIPTION_MAX:
            raise QuoteDoesNotAddUp(f"A line's description takes 1 to {DESCRIPTION_MAX} characters.")
        if self.quantity < 1:
            raise QuoteDoesNotAddUp(f"A line's quantity is at least 1, not {self.quantity}.")

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


def lines_total(items: tuple[LineItem, ...]) -> Decimal:
    """Σ quantity × unit_price, as the contract adds a quote up."""
    return sum((item.amount for item in items), Decimal("0.00"))


@dataclass(frozen=True)
class Quote:
    """What is bought: the lines add up to the total exactly, to the sen."""

    items: tuple[LineItem, ...]
    total: Decimal
    currency: str = CURRENCY

    def __post_init__(self) -> None:
        if not self.items:
            raise QuoteDoesNotAddUp("A quote has at least one line.")
        if lines_total(self.items) != self.total:
            raise QuoteDoesNotAddUp(f"The lines add up to {lines_total(self.items)}, not {self.total}.")


@dataclass(frozen=True)
class Contact:
    email: str  # lower-cased
    phone: str  # E.164


@dataclass(frozen=True)
class Customer:
    """Who pays, for the payment page: a first and a last name (the last may be empty), the
    booking's contact."""

    first_name: str
    last_name: str
    email: str
    phone: str  # E.164


DOCUMENT_KINDS = frozenset(
    {"e-ticket", "boarding-pass", "hotel-voucher", "pln-token", "receipt", "serial-number"}
)


@dataclass(frozen=True)
class Document:
    """Product-neutral fulfilment: `reference` is what a person shows or types (a ticket number,
    a voucher reference, the 20-digit token), `fields` the flat strings the app shows."""

    kind: str
    reference: str
    title: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in DOCUMENT_KINDS:
            raise ValueError(f"{self.kind!r} is not a document kind of the booking contract.")


@dataclass(frozen=True)
class ContractBooking:
    """A booking as the contract shows it, whatever the product: every product's desk turns its
    own booking into this, and the routes write it (shared/booking_api.py)."""

    reference: str
    service_type: str  # flight | ferry | hotel | ppob
    offer_id: str
    status: BookingStatus
    supplier: str
    supplier_reference: str | None
    holds_inventory: bool  # False: a validated quote that reserves nothing
    hold_expires_at: datetime
    quote: Quote
    customer: Customer
    booking_details: Mapping[str, Any]  # the product's own normalised details
    created_at: datetime
    updated_at: datetime
    documents: tuple[Document, ...] = ()
    failure_reason: str | None = None
    refund_amount: Decimal | None = None


def hold_lapsed(status: BookingStatus, hold_expires_at: datetime, now: datetime) -> bool:
    """A held booking reads expired from its deadline on, whether or not anything wrote it yet."""
    return status is BookingStatus.HELD and now >= hold_expires_at


def new_booking_reference() -> str:
    """Our booking reference: opaque to every caller (a UUID today), never the supplier's."""
    return str(uuid.uuid4())
