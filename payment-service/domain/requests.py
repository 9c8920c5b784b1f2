"""What a caller asks for: a charge (the Snap order) and its validation rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.errors import InvalidCharge
from domain.models import CURRENCY, ORDER_ID_PATTERN, ZERO, is_whole_rupiah
from shared.money import LARGEST, money_string

MAX_EXPIRY_MINUTES = 1440
GATEWAY_NAMES = ("midtrans", "xendit")
ITEM_NAME_LIMIT = 50  # Midtrans truncates (and some channels refuse) longer item names


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True)
class Customer:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ChargeRequest:
    order_id: str
    gross_amount: Decimal
    currency: str
    items: tuple[Item, ...]
    customer: Customer
    expiry_minutes: int
    gateway: str | None = None  # None: the configured default (domain/gateways.py)

    def validate(self) -> None:
        problems: list[str] = []
        if self.gateway is not None and self.gateway not in GATEWAY_NAMES:
            problems.append(f"gateway must be one of {', '.join(GATEWAY_NAMES)}")
        if not ORDER_ID_PATTERN.fullmatch(self.order_id):
            problems.append("order_id must be 1–50 characters of A-Z, a-z, 0-9, '.', '_', '~' or '-'")
        if self.currency != CURRENCY:
            problems.append("currency must be IDR")
        if self.gross_amount <= ZERO or not is_whole_rupiah(self.gross_amount):
            problems.append("gross_amount must be a positive whole rupiah amount")
        if not 1 <= self.expiry_minutes <= MAX_EXPIRY_MINUTES:
            problems.append(f"expiry_minutes must be 1..{MAX_EXPIRY_MINUTES}")
        if not self.items:
            problems.append("item_details must list at least one item")
        for index, item in enumerate(self.items):
            if not is_whole_rupiah(item.price) or item.price == ZERO:
                problems.append(f"item_details[{index}].price must be a non-zero whole rupiah amount")
            if item.quantity < 1:
                problems.append(f"item_details[{index}].quantity must be at least 1")
        total = sum((item.price * item.quantity for item in self.items), ZERO)
        if self.items and total != self.gross_amount:
            # Midtrans answers 400 for this; refusing here names the problem better.
            summed = money_string(total) if abs(total) <= LARGEST else f"more than {money_string(LARGEST)}"
            gross = money_string(self.gross_amount)
            problems.append(f"the item_details sum to {summed}, not gross_amount {gross}")
        if problems:
            raise InvalidCharge("; ".join(problems))

    def canonical(self) -> dict[str, Any]:
        """The request as plain JSON with every amount written one way ("150000.00"): what an
        Idempotency-Key is bound to, whatever key order or number format the caller sent. A gateway
        named by the caller is part of it; the default is not (it may change between retries)."""
        canonical: dict[str, Any] = {
            "order_id": self.order_id,
            "gross_amount": money_string(self.gross_amount),
            "currency": self.currency,
            "item_details": [
                {"id": i.id, "name": i.name, "price": money_string(i.price), "quantity": i.quantity}
                for i in self.items
            ],
            "customer_details": {
                "first_name": self.customer.first_name,
                "last_name": self.customer.last_name,
                "email": self.customer.email,
                "phone": self.customer.phone,
            },
            "expiry_minutes": self.expiry_minutes,
        }
        if self.gateway is not None:
            canonical["gateway"] = self.gateway
        return canonical

    def snap_payload(self) -> dict[str, Any]:
        """The Snap create body (Midtrans wants integer rupiah). Holds no secret: it is stored."""
        # An empty field is left out: Snap validates what is present (an empty email is refused).
        customer = {k: v for k, v in self.canonical()["customer_details"].items() if v}
        return {
            "transaction_details": {"order_id": self.order_id, "gross_amount": int(self.gross_amount)},
            "item_details": [
                {"id": i.id, "price": int(i.price), "quantity": i.quantity, "name": i.name[:ITEM_NAME_LIMIT]}
                for i in self.items
            ],
            "customer_details": customer,
            "expiry": {"unit": "minute", "duration": self.expiry_minutes},
        }
