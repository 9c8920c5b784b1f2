"""The money path with a product it has never heard of, wired by configuration alone
(PRODUCT_SERVICES): a quote-only product whose supplier issues later. The order completes with
the product's documents when the booking reads `issued`; when it reads `failed` the payer is
refunded in full automatically and the order says why; an issued booking the product cannot
take back stays issued after a refund, and the refusal is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
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

PPOB_URL = "http://ppob.test"
DETAILS = {
    "customer_number": "532110004567",
    "contact": {"name": "Budi Santoso", "email": "budi@example.co.id", "phone": "081234567890"},
}


@dataclass
class Shop:
    app: FastAPI
    client: httpx.AsyncClient
    ppob: FakeProduct
    payments: FakePayments
    buyer: Person
    admin: Person


@pytest.fixture
async def shop(
    migrated_database_url: str, test_keys: TestKeys, accounts: Accounts, people: People
) -> AsyncIterator[Shop]:
    app = create_app(
        make_settings(migrated_database_url, products={"ppob": PPOB_URL}),
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        workers=False,
    )
    ppob = FakeProduct(
        token=INTERNAL_TOKEN, service_type="ppob", holds_inventory=False, cancellable_after_issue=False
    )
    payments = FakePayments()
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route(host="testserver").pass_through()
        FakeFlights().install(router)
        ppob.install(router, PPOB_URL)
        payments.install(router)
        async with running_app(app) as client:
            yield Shop(app, client, ppob, payments, people.make(), people.make("admin"))


async def order_and_pay(shop: Shop) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {"service_type": "ppob", "offer_id": shop.ppob.offer(), "booking_details": DETAILS}
    ordered = await shop.client.post("/orders/", json=body, headers=shop.buyer.keyed())
    assert ordered.status_code == 201, ordered.text
    order: dict[str, Any] = ordered.json()
    paying = await shop.client.post(
        "/payments/", json={"transaction_id": order["transaction_id"]}, headers=shop.buyer.keyed()
    )
    assert paying.status_code == 201, paying.text
    payment: dict[str, Any] = paying.json()
    shop.payments.settle(payment["id"])
    assert (
        await deliver(shop.client, payment["id"], "paid", "settlement", gross_amount="52500.00") == "applied"
    )
    return order, payment


async def retry_due_jobs(app: FastAPI) -> None:
    """What the work queue's back-off does with time: the retried jobs come due again."""
    await sql(app, "UPDATE work_queue SET next_attempt_at = now() WHERE delivered_at IS NULL")
    await run_jobs(app)


async def test_a_quote_only_product_is_ordered_with_its_quote_and_customer(shop: Shop) -> None:
    body = {"service_type": "ppob", "offer_id": shop.ppob.offer(), "booking_details": DETAILS}
    response = await shop.client.post("/orders/", json=body, headers=shop.buyer.keyed())
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["service_type"], order["status"], order["total_amount"]) == (
        "ppob",
        "CONFIRMED",
        "52500.00",
    )
    assert order["line_items"] == [
        {"description": "Token PLN 50.000", "quantity": 1, "unit_price": "50000.00"},
        {"description": "Biaya admin", "quantity": 1, "unit_price": "2500.00"},
    ]
    assert (order["quantity"], order["unit_price"]) == (2, "26250.00")
    assert order["booking"]["holds_inventory"] is False
    assert order["booking_details"] == DETAILS
    paying = await shop.client.post(
        "/payments/", json={"transaction_id": order["transaction_id"]}, headers=shop.buyer.keyed()
    )
    assert paying.status_code == 201, paying.text
    (charge,) = shop.payments.requests
    assert charge["gross_amount"] == "52500.00"
    assert [(i["name"], i["price"], i["quantity"]) for i in charge["item_details"]] == [
        ("Token PLN 50.000", "50000.00", 1),
        ("Biaya admin", "2500.00", 1),
    ]
    assert charge["customer_details"] == {
        "first_name": "Budi",
        "last_name": "Santoso",
        "email": "budi@example.co.id",
        "phone": "+6281234567890",
    }


async def test_the_products_refusal_passes_through_unchanged(shop: Shop) -> None:
    broken = {"customer_number": "12", "contact": {**DETAILS["contact"], "phone": "12345"}}  # type: ignore[dict-item]
    body = {"service_type": "ppob", "offer_id": shop.ppob.offer(), "booking_details": broken}
    response = await shop.client.post("/orders/", json=body, headers=shop.buyer.keyed())
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/invalid-booking")
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "booking_details", "customer_number"],
        ["body", "booking_details", "contact", "phone"],
    ]
    gone = {"service_type": "ppob", "offer_id": "offer-unknown", "booking_details": DETAILS}
    expired = await shop.client.post("/orders/", json=gone, headers=shop.buyer.keyed())
    assert (expired.status_code, expired.json()["type"].rsplit("/", 1)[-1]) == (410, "offer-expired")


async def test_pending_issuance_completes_when_the_supplier_issues(shop: Shop) -> None:
    shop.ppob.next_issue("pending-issued")
    order, _payment = await order_and_pay(shop)
    path = f"/orders/{order['id']}"
    await run_jobs(shop.app)
    waiting = await get(shop.client, shop.buyer, path)
    assert (waiting["status"], waiting["booking"]["status"], waiting["booking"]["documents"]) == (
        "PAID",
        "pending",
        [],
    )
    # Still pending at the supplier: read again later, nothing changes.
    await retry_due_jobs(shop.app)
    assert (await get(shop.client, shop.buyer, path))["status"] == "PAID"
    assert shop.ppob.calls.count("get") == 2  # read right after the pending answer, then again
    shop.ppob.settle(order["booking_reference"])
    await retry_due_jobs(shop.app)
    done = await get(shop.client, shop.buyer, path)
    assert (done["status"], done["booking"]["status"]) == ("COMPLETED", "issued")
    (token,) = done["booking"]["documents"]
    assert (token["kind"], token["reference"]) == ("pln-token", "5723 1190 4452 8801 2634")
    assert shop.ppob.calls.count("issue") == 1
    tx = await get(shop.client, shop.buyer, f"/transactions/{order['transaction_id']}")
    assert (tx["status"], tx["refunded_amount"]) == ("COMPLETED", "0.00")


async def test_pending_issuance_that_fails_refunds_in_full_automatically(shop: Shop) -> None:
    shop.ppob.next_issue("pending-failed")
    order, payment = await order_and_pay(shop)
    await run_jobs(shop.app)
    assert (await get(shop.client, shop.buyer, f"/orders/{order['id']}"))["status"] == "PAID"
    shop.ppob.settle(order["booking_reference"])
    await retry_due_jobs(shop.app)
    ended = await get(shop.client, shop.buyer, f"/orders/{order['id']}")
    reason = "The biller refused the customer number: it is blocked."
    assert (ended["status"], ended["failure_reason"]) == ("CANCELLED", reason)
    assert (ended["booking"]["status"], ended["booking"]["failure_reason"]) == ("failed", reason)
    tx = await get(shop.client, shop.buyer, f"/transactions/{order['transaction_id']}")
    assert (tx["status"], tx["refunded_amount"]) == ("REFUNDED", "52500.00")
    assert (await get(shop.client, shop.buyer, f"/payments/{payment['id']}"))["status"] == "REFUNDED"
    assert list(shop.payments.refunds) == [f"auto-{payment['id']}"]
    # A failed booking is over at the supplier: nothing is cancelled there.
    assert shop.ppob.calls.count("cancel") == 0


async def test_an_issued_booking_the_product_cannot_take_back_stays_issued_after_a_refund(shop: Shop) -> None:
    order, _payment = await order_and_pay(shop)
    await run_jobs(shop.app)
    done = await get(shop.client, shop.buyer, f"/orders/{order['id']}")
    assert (done["status"], done["booking"]["status"]) == ("COMPLETED", "issued")
    refund = await shop.client.post(
        f"/transactions/{order['transaction_id']}/refund",
        json={"reason": "goodwill"},
        headers=shop.admin.keyed(),
    )
    assert refund.status_code == 201, refund.text
    await run_jobs(shop.app)
    after = await get(shop.client, shop.buyer, f"/orders/{order['id']}")
    assert (after["status"], after["booking"]["status"]) == ("CANCELLED", "issued")
    assert after["booking"]["documents"] == done["booking"]["documents"]
    audit = await sql(
        shop.app,
        "SELECT reason FROM audit_log WHERE entity_id = :o AND actor = 'system:booking.release'",
        o=order["id"],
    )
    assert audit == [("booking not cancelled at the provider (not-cancellable)",)]


async def test_an_unpaid_quote_ends_when_it_stops_being_valid(shop: Shop) -> None:
    body = {"service_type": "ppob", "offer_id": shop.ppob.offer(), "booking_details": DETAILS}
    order = (await shop.client.post("/orders/", json=body, headers=shop.buyer.keyed())).json()
    await sql(
        shop.app,
        "UPDATE orders SET hold_expires_at = now() - interval '1 minute' WHERE id = :id",
        id=order["id"],
    )
    assert await shop.app.state.money_path.sweeper.expire_holds() >= 1
    ended = await get(shop.client, shop.buyer, f"/orders/{order['id']}")
    assert (ended["status"], ended["failure_reason"]) == ("CANCELLED", "hold expired")
    await run_jobs(shop.app)
    assert shop.ppob.bookings[order["booking_reference"]]["status"] == "cancelled"
