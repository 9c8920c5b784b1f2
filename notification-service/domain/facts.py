"""An order as transaction-service's events describe it (the `order` member every order event
carries; docs/architecture.md, events), read defensively: a field an older event lacks is empty,
never an error, so that an event is never refused for what it does not say."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    kind: str
    reference: str
    title: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: int
    unit_price: str


@dataclass(frozen=True)
class OrderFacts:
    order_id: str | None
    user_id: str | None
    order_number: str | None
    service_type: str
    total_amount: str | None
    currency: str
    payment_deadline: str | None
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    supplier_reference: str | None
    line_items: tuple[LineItem, ...]
    documents: tuple[Document, ...]
    failure_reason: str | None

    @property
    def customer_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value).strip() else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_order(data: dict[str, Any]) -> OrderFacts:
    order = _object(data.get("order"))
    customer = _object(order.get("customer"))
    items = []
    for raw in order.get("line_items") or []:
        if isinstance(raw, dict):
            quantity = raw.get("quantity")
            items.append(
                LineItem(
                    description=str(raw.get("description", "")),
                    quantity=quantity if isinstance(quantity, int) else 1,
                    unit_price=str(raw.get("unit_price", "0")),
                )
            )
    documents = []
    for raw in order.get("documents") or []:
        if isinstance(raw, dict):
            fields = _object(raw.get("fields"))
            documents.append(
                Document(
                    kind=str(raw.get("kind", "")),
                    reference=str(raw.get("reference", "")),
                    title=str(raw.get("title", "")),
                    fields={str(k): str(v) for k, v in fields.items()},
                )
            )
    return OrderFacts(
        order_id=_text(data.get("order_id")),
        user_id=_text(data.get("user_id")),
        order_number=_text(order.get("order_number")),
        service_type=_text(order.get("service_type")) or _text(data.get("service_type")) or "",
        total_amount=_text(order.get("total_amount")) or _text(data.get("amount")),
        currency=_text(order.get("currency")) or _text(data.get("currency")) or "IDR",
        payment_deadline=_text(order.get("payment_deadline")),
        email=_text(customer.get("email")),
        phone=_text(customer.get("phone")),
        first_name=_text(customer.get("first_name")) or "",
        last_name=_text(customer.get("last_name")) or "",
        supplier_reference=_text(order.get("supplier_reference")),
        line_items=tuple(items),
        documents=tuple(documents),
        failure_reason=_text(order.get("failure_reason")) or _text(data.get("reason")),
    )
