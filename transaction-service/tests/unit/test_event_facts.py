"""What the order events tell a consumer about the order (notification-service writes its
messages from them alone): the order number, what was bought, the deadline, the customer and,
from `order.completed` on, the documents."""

from __future__ import annotations

import json

from domain.money_path import MoneyPath
from domain.records import Order
from tests.unit.conftest import get, ordered, paid, run_jobs
from tests.unit.memory import E_TICKET, Store


async def test_a_new_order_event_carries_the_number_the_deadline_the_items_and_the_customer(
    money: MoneyPath, store: Store
) -> None:
    order, _tx_id = await ordered(money)
    [(topic, payload)] = store.events
    assert topic == "transaction.created"
    facts = payload["order"]
    assert facts["order_number"] == order.order_number
    assert facts["status"] == "CONFIRMED"
    assert facts["total_amount"] == f"{order.total_amount:f}"
    assert facts["payment_deadline"].endswith("Z")
    assert facts["payment_deadline"].startswith(
        order.hold_expires_at.strftime("%Y-%m-%dT%H:%M") if order.hold_expires_at else "-"
    )
    assert facts["customer"] == order.booking.customer
    assert [item["description"] for item in facts["line_items"]] == [i.description for i in order.line_items]
    assert facts["documents"] == []
    assert "booking_details" not in facts  # passengers' personal data stays with the order
    json.dumps(payload)  # the outbox stores it as JSON


async def test_an_issued_booking_announces_the_completed_order_with_its_documents(
    money: MoneyPath, store: Store
) -> None:
    order, _tx_id, _payment = await paid(money)
    assert [topic for topic, _ in store.events] == ["transaction.created", "payment.confirmed"]
    await run_jobs(money, store)
    topic, payload = store.events[-1]
    assert topic == "order.completed"
    assert payload["order_id"] == str(order.id)
    assert payload["user_id"] == get(store, order.id, Order).user_id
    assert payload["order"]["status"] == "COMPLETED"
    assert payload["order"]["documents"] == [E_TICKET]
