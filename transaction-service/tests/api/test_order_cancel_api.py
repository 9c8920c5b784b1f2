"""POST /orders/{id}/cancel on a real PostgreSQL, with a product the service has never heard of
(tests/fake_product.py) sold as `hotel` by configuration: the product cancels the booking first
and the payer gets back what it refunds (a fee kept, nothing, or everything when it names no
amount); its refusal passes through and is replayed under the key; its outage changes nothing
and the same key then goes through; an unpaid order ends like a cancelled transaction; someone
else's order is 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from app import create_app
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.api.helpers import deliver, get, run_jobs, sql
from tests.conftest import People, Person, make_settings
from tests.fake_product import FakeProduct
from tests.fakes import INTERNAL_TOKEN, Accounts, FakeFlights, FakePayments

HOTEL_URL = "http://hotels.test"
DETAILS = {
    "customer_number": "532110004567",
    "contact": {"name": "Siti Rahayu", "email": "siti@example.co.id", "phone": "081234567890"},
}
ROOM = [("Deluxe Room, breakfast, 2 nights", 1, Decimal("2400000.00"))]


@dataclass
class Shop:
    app: FastAPI
    client: httpx.AsyncClient
    hotels: FakeProduct
    payments: FakePayments
    buyer: Person
    admin: Person
    stranger: Person


@pytest.fixture
async def shop(
    migrated_database_url: str, test_keys: TestKeys, accounts: Accounts, people: People
) -> AsyncIterator[Shop]:
    app = create_app(
        make_settings(migrated_database_url, products={"hotel": HOTEL_URL}),
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        workers=False,
    )
    hotels = FakeProduct(
        token=INTERNAL_TOKEN, service_type="hotel", holds_inventory=False, supplier="hotelbeds"
    )
    payments = FakePayments()
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route(host="testserver").pass_through()
        FakeFlights().install(router)
        hotels.install(router, HOTEL_URL)
        payments.install(router)
        async with running_app(app) as client:
            yield Shop(app, client, hotels, payments, people.make(), people.make("admin"), people.make())


async def ordered(shop: Shop) -> dict[str, Any]:
    body = {"service_type": "hotel", "offer_id": shop.hotels.offer(ROOM), "booking_details": DETAILS}
    response = await shop.client.post("/orders/", json=body, headers=shop.buyer.keyed())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def charged(shop: Shop, order: dict[str, Any]) -> dict[str, Any]:
    response = await shop.client.post(
        "/payments/", json={"transaction_id": order["transaction_id"]}, headers=shop.buyer.keyed()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def completed(shop: Shop) -> tuple[dict[str, Any], dict[str, Any]]:
    order = await ordered(shop)
    payment = await charged(shop, order)
    shop.payments.settle(payment["id"])
    outcome = await deliver(shop.client, payment["id"], "paid", "settlement", gross_amount="2400000.00")
    assert outcome == "applied"
    await run_jobs(shop.app)
    done = await get(shop.client, shop.buyer, f"/orders/{order['id']}")
    assert (done["status"], done["booking"]["status"]) == ("COMPLETED", "issued")
    return done, payment


async def cancel(shop: Shop, order_id: str, person: Person, key: str, **body: Any) -> httpx.Response:
    return await shop.client.post(f"/orders/{order_id}/cancel", json=body or None, headers=person.keyed(key))


async def transaction(shop: Shop, order: dict[str, Any]) -> dict[str, Any]:
    return await get(shop.client, shop.buyer, f"/transactions/{order['transaction_id']}")


async def test_a_completed_stay_is_refunded_what_the_policy_allows_once(shop: Shop) -> None:
    shop.hotels.refund_after_issue = Decimal("1200000.00")  # the first night is kept
    order, payment = await completed(shop)
    answer = await cancel(shop, order["id"], shop.buyer, "cancel-1", reason="plans changed")
    assert answer.status_code == 200, answer.text
    cancelled = answer.json()
    reason = "plans changed; refund Rp1.200.000 per the supplier's cancellation policy"
    assert (cancelled["status"], cancelled["failure_reason"]) == ("CANCELLED", reason)
    booking = cancelled["booking"]
    assert (booking["status"], booking["refund_amount"]) == ("cancelled", "1200000.00")
    assert cancelled["booking"]["documents"] == order["booking"]["documents"]  # kept, void
    # The same key replays the answer without asking the product again.
    replay = await cancel(shop, order["id"], shop.buyer, "cancel-1", reason="plans changed")
    assert (replay.status_code, replay.json()) == (200, cancelled)
    assert shop.hotels.calls.count("cancel") == 1
    await run_jobs(shop.app)
    refund = shop.payments.refunds[f"cancel-{payment['id']}"]
    assert (refund["amount"], refund["reason"]) == ("1200000.00", reason)
    assert len(shop.payments.refunds) == 1
    tx = await transaction(shop, order)
    assert (tx["status"], tx["refunded_amount"]) == ("COMPLETED", "1200000.00")
    paid = await get(shop.client, shop.buyer, f"/payments/{payment['id']}")
    assert paid["status"] == "PARTIALLY_REFUNDED"
    # Another key: the order is over.
    again = await cancel(shop, order["id"], shop.buyer, "cancel-2")
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[-1]) == (409, "invalid-transition")
    trail = await sql(
        shop.app,
        "SELECT entity_type, from_status, to_status, actor FROM audit_log "
        "WHERE entity_id IN (:o, :t, :p) OR entity_type = 'refund' AND entity_id IN "
        "(SELECT id FROM refunds WHERE payment_id = :p) ORDER BY id",
        o=order["id"],
        t=order["transaction_id"],
        p=payment["id"],
    )
    assert ("order", "COMPLETED", "COMPLETED", shop.buyer.id) in trail  # booking issued → cancelled
    assert ("order", "COMPLETED", "CANCELLED", shop.buyer.id) in trail
    assert ("refund", "PENDING", "SUCCEEDED", "system:payment.refund") in trail
    assert ("payment", "PAID", "PARTIALLY_REFUNDED", "system:payment.refund") in trail
    events = await sql(
        shop.app,
        "SELECT payload->>'amount' FROM outbox "
        "WHERE topic = 'refund.processed' AND payload->>'order_id' = :o",
        o=order["id"],
    )
    assert events == [("1200000.00",)]


@pytest.mark.parametrize(
    ("supplier_refund", "status", "refunded", "words"),
    [
        (Decimal("0.00"), "COMPLETED", "0.00", "no refund under"),
        (None, "REFUNDED", "2400000.00", "refund Rp2.400.000 per"),
    ],
)
async def test_a_non_refundable_stay_refunds_nothing_and_a_supplier_naming_no_fee_everything(
    shop: Shop, supplier_refund: Decimal | None, status: str, refunded: str, words: str
) -> None:
    shop.hotels.refund_after_issue = supplier_refund
    order, _payment = await completed(shop)
    answer = await cancel(shop, order["id"], shop.buyer, "k")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "CANCELLED"
    said = f"cancelled by the customer; {words} the supplier's cancellation policy"
    assert answer.json()["failure_reason"] == said
    await run_jobs(shop.app)
    tx = await transaction(shop, order)
    assert (tx["status"], tx["refunded_amount"]) == (status, refunded)
    assert len(shop.payments.refunds) == (0 if refunded == "0.00" else 1)


async def test_the_products_refusal_passes_through_and_nothing_changes(shop: Shop) -> None:
    shop.hotels.cancellable_after_issue = False
    order, _payment = await completed(shop)
    refused = await cancel(shop, order["id"], shop.buyer, "k")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/not-cancellable")
    assert refused.json()["detail"] == "The token has been delivered."
    replay = await cancel(shop, order["id"], shop.buyer, "k")
    assert replay.status_code == 409
    assert shop.hotels.calls.count("cancel") == 1  # a business answer is recorded and replayed
    same = await get(shop.client, shop.buyer, f"/orders/{order['id']}")
    assert (same["status"], same["booking"]["status"]) == ("COMPLETED", "issued")
    assert same["failure_reason"] is None
    assert (await transaction(shop, order))["refunded_amount"] == "0.00"
    await run_jobs(shop.app)
    assert shop.payments.refunds == {}


async def test_a_product_outage_changes_nothing_and_the_same_key_then_goes_through(shop: Shop) -> None:
    shop.hotels.refund_after_issue = Decimal("1200000.00")
    order, payment = await completed(shop)
    shop.hotels.cancel_problem = (503, "supplier-unavailable")
    down = await cancel(shop, order["id"], shop.buyer, "k")
    assert down.status_code == 503, down.text
    assert down.json()["type"].endswith("/supplier-unavailable")
    assert (await get(shop.client, shop.buyer, f"/orders/{order['id']}"))["status"] == "COMPLETED"
    shop.hotels.cancel_problem = (504, "supplier-timeout")
    slow = await cancel(shop, order["id"], shop.buyer, "k")
    assert slow.status_code == 504, slow.text
    shop.hotels.cancel_problem = None
    through = await cancel(shop, order["id"], shop.buyer, "k")
    assert through.status_code == 200, through.text
    assert through.json()["status"] == "CANCELLED"
    await run_jobs(shop.app)
    assert list(shop.payments.refunds) == [f"cancel-{payment['id']}"]


async def test_an_unpaid_order_is_cancelled_and_its_charge_stopped(shop: Shop) -> None:
    order = await ordered(shop)
    payment = await charged(shop, order)
    answer = await cancel(shop, order["id"], shop.buyer, "k")
    assert answer.status_code == 200, answer.text
    ended = answer.json()
    assert (ended["status"], ended["failure_reason"]) == ("CANCELLED", "cancelled by the customer")
    assert shop.payments.charges[payment["id"]]["status"] == "cancelled"
    assert (await transaction(shop, order))["status"] == "CANCELLED"
    await run_jobs(shop.app)
    assert shop.hotels.bookings[order["booking_reference"]]["status"] == "cancelled"


async def test_someone_elses_order_is_404_an_admin_may_cancel_and_the_key_is_required(shop: Shop) -> None:
    order = await ordered(shop)
    for missing in (order["id"], "6f1c3c2e-8d0b-4a53-9d43-6a3c7f1d2e4b"):
        response = await cancel(shop, missing, shop.stranger, f"k-{missing}")
        assert response.status_code == 404, response.text
        assert response.json()["type"].endswith("/order-not-found")
    no_key = await shop.client.post(f"/orders/{order['id']}/cancel", headers=shop.buyer.headers)
    assert no_key.status_code == 422
    too_long = await cancel(shop, order["id"], shop.buyer, "k-long", reason="x" * 256)
    assert too_long.status_code == 422
    assert (await get(shop.client, shop.buyer, f"/orders/{order['id']}"))["status"] == "CONFIRMED"
    by_admin = await cancel(shop, order["id"], shop.admin, "k", reason="duplicate booking")
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["failure_reason"] == "duplicate booking"
