"""Purchases beyond the contract suite: price changes, the deposit guard, pending purchases settled
by callback (forged, duplicated, out of order) or by status checks, and the admin routes."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from domain.models import Category
from tests.conftest import INTERNAL_TOKEN, callback_data, signed_callback
from tests.fakes import Clock, FakeAggregator, FakeAlerts, entry

INTERNAL = {"X-Internal-Token": INTERNAL_TOKEN}
CONTACT = {"contact": {"email": "budi@example.co.id", "phone": "081234567890"}}


async def quote(
    client: httpx.AsyncClient, product: str = "tsel50", number: str = "081234567890"
) -> dict[str, Any]:
    r = await client.post("/ppob/inquiries", json={"product_code": product, "customer_no": number})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def hold(client: httpx.AsyncClient, offer_id: str) -> httpx.Response:
    headers = {**INTERNAL, "Idempotency-Key": str(uuid.uuid4())}
    return await client.post(
        "/internal/bookings", json={"offer_id": offer_id, "booking_details": CONTACT}, headers=headers
    )


async def issue(client: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    r = await client.post(f"/internal/bookings/{reference}/issue", headers=INTERNAL)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def read(client: httpx.AsyncClient, reference: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/internal/bookings/{reference}", headers=INTERNAL)).json()
    return body


async def held(client: httpx.AsyncClient, product: str = "tsel50", number: str = "081234567890") -> str:
    r = await hold(client, (await quote(client, product, number))["offer_id"])
    assert r.status_code == 201, r.text
    return str(r.json()["booking_reference"])


async def test_a_cost_change_before_the_hold_is_409_price_changed(
    client: httpx.AsyncClient, aggregator: FakeAggregator, app: FastAPI, clock: Clock
) -> None:
    offer = await quote(client)
    aggregator.prepaid = [entry("tsel50", "Telkomsel 50.000", Category.PULSA, "TELKOMSEL", "51000.00")]
    app.state.price_list.forget()
    r = await hold(client, offer["offer_id"])
    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("/price-changed")
    assert (r.json()["total_price"], r.json()["previous_total_price"]) == ("52000.00", "50850.00")


async def test_an_expired_quote_is_410_and_a_quote_past_its_expiry_cannot_be_issued(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    offer = await quote(client)
    reference = str((await hold(client, offer["offer_id"])).json()["booking_reference"])
    clock.advance(901)
    assert (await hold(client, offer["offer_id"])).status_code == 410
    assert (await read(client, reference))["status"] == "expired"
    r = await client.post(f"/internal/bookings/{reference}/issue", headers=INTERNAL)
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (409, "hold-expired")


async def test_a_low_deposit_refuses_new_orders_before_payment_with_an_alert(
    client: httpx.AsyncClient, aggregator: FakeAggregator, alerts: FakeAlerts
) -> None:
    offer = await quote(client)
    aggregator.deposit = Decimal("60000.00")  # less than 49,850 + the 50,000 reserve
    r = await hold(client, offer["offer_id"])
    assert r.status_code == 503, r.text
    assert r.json()["type"].endswith("/supplier-unavailable")
    assert "paused" in r.json()["detail"]
    assert alerts.low == [(Decimal("60000.00"), Decimal("99850.00"))]


async def test_a_bill_hold_inquires_again_under_the_booking_reference_and_pays_with_it(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    reference = await held(client, "pln", "530000000016")
    assert aggregator.inquiries[-1] == reference
    booking = await issue(client, reference)
    assert aggregator.sends == [reference]
    assert booking["status"] == "issued"
    (receipt,) = booking["documents"]
    assert receipt["kind"] == "receipt"
    assert receipt["fields"]["penalty"] == "Rp5.000"
    assert receipt["fields"]["total"] == "Rp423.500"
    assert receipt["fields"]["periods"] == "202610, 202611"


async def test_a_pln_token_is_issued_grouped_by_four(client: httpx.AsyncClient) -> None:
    booking = await issue(client, await held(client, "pln100", "14234567890"))
    (token,) = booking["documents"]
    assert (token["kind"], token["reference"]) == ("pln-token", "1234 5678 9012 3456 7890")
    assert token["fields"]["kwh"] == "62.9"


async def test_a_final_failure_reads_failed_with_a_reason(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    aggregator.next_outcomes.append(("failed", "failed"))
    booking = await issue(client, await held(client))
    assert booking["status"] == "failed"
    assert booking["failure_reason"] == "The operator or biller refused the purchase."


async def test_a_forged_callback_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    aggregator.next_outcomes.append(("pending", "success"))
    reference = await held(client)
    await issue(client, reference)
    raw, headers = signed_callback(callback_data(reference, "Sukses", "00", "SN1"), secret="not-the-secret")
    r = await client.post("/webhooks/digiflazz", content=raw, headers=headers)
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (401, "invalid-signature")
    assert (await read(client, reference))["status"] == "pending"


async def test_the_same_callback_twenty_times_has_one_effect(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    aggregator.next_outcomes.append(("pending", "success"))
    reference = await held(client)
    await issue(client, reference)
    raw, headers = signed_callback(callback_data(reference, "Sukses", "00", "SN-REAL"))
    answers = await asyncio.gather(
        *(
            client.post(
                "/webhooks/digiflazz",
                content=raw,
                headers={**headers, "X-Digiflazz-Delivery": str(uuid.uuid4())},
            )
            for _ in range(20)
        )
    )
    assert {a.status_code for a in answers} == {200}
    booking = await read(client, reference)
    assert booking["status"] == "issued"
    assert [d["reference"] for d in booking["documents"]] == ["SN-REAL"]
    # A late "failed" (out of order) after the success changes nothing either.
    raw, headers = signed_callback(callback_data(reference, "Gagal", "02"))
    assert (await client.post("/webhooks/digiflazz", content=raw, headers=headers)).status_code == 200
    assert await read(client, reference) == booking


async def test_a_pending_purchase_without_callback_is_settled_by_status_checks_with_back_off(
    client: httpx.AsyncClient, aggregator: FakeAggregator, app: FastAPI, clock: Clock
) -> None:
    aggregator.next_outcomes.append(("pending", "success"))
    reference = await held(client)
    assert (await issue(client, reference))["status"] == "pending"
    checks = app.state.purchases.check_due
    await checks()  # not due yet
    assert aggregator.sends.count(reference) == 1
    clock.advance(5)
    await checks()  # still pending: the next check in 10 s
    assert aggregator.sends.count(reference) == 2
    clock.advance(9)
    await checks()
    assert aggregator.sends.count(reference) == 2
    aggregator.settle(reference)
    clock.advance(1)
    await checks()
    assert (await read(client, reference))["status"] == "issued"
    assert aggregator.sends.count(reference) == 3  # each check re-sends the same ref_id


async def test_an_issue_the_aggregator_never_answered_is_pending_and_checked_later(
    client: httpx.AsyncClient, aggregator: FakeAggregator, app: FastAPI, clock: Clock
) -> None:
    reference = await held(client)
    aggregator.timeout = True
    assert (await issue(client, reference))["status"] == "pending"
    aggregator.timeout = False
    clock.advance(5)
    await app.state.purchases.check_due()
    assert (await read(client, reference))["status"] == "issued"


async def test_cancel_after_sending_is_409_not_cancellable(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    aggregator.next_outcomes.append(("pending", "success"))
    reference = await held(client)
    await issue(client, reference)
    r = await client.post(f"/internal/bookings/{reference}/cancel", headers=INTERNAL)
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (409, "not-cancellable")


async def test_admin_sees_the_deposit_margin_and_pending_purchases(
    client: httpx.AsyncClient,
    aggregator: FakeAggregator,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
) -> None:
    assert (await client.get("/ppob/balance")).status_code == 401
    assert (await client.get("/ppob/balance", headers=user_headers)).status_code == 403
    balance = await client.get("/ppob/balance", headers=admin_headers)
    assert balance.json() == {"supplier": "digiflazz", "deposit": "10000000.00", "currency": "IDR"}
    margin = await client.put(
        "/ppob/settings/margin", json={"flat": "500", "percent": "2"}, headers=admin_headers
    )
    assert margin.json() == {"flat": "500.00", "percent": "2", "currency": "IDR"}
    assert (await quote(client))["total"] == "51347.00"  # 49,850 + 500 + 2 %
    assert (
        await client.put("/ppob/settings/margin", json={"flat": "-1", "percent": "0"}, headers=admin_headers)
    ).status_code == 422
    aggregator.next_outcomes.append(("pending", "success"))
    reference = await held(client)
    await issue(client, reference)
    pending = (await client.get("/ppob/purchases", headers=admin_headers)).json()
    assert reference in [p["booking_reference"] for p in pending["items"]]
    assert all(p["status"] == "pending" for p in pending["items"])
    # An offset past PostgreSQL's bigint was a 500 (the API fuzzer's find): now a 422.
    huge = await client.get("/ppob/purchases", params={"offset": 52321805518661844992}, headers=admin_headers)
    assert huge.status_code == 422
    # The session's other tests price with the default margin.
    await client.put("/ppob/settings/margin", json={"flat": "1000", "percent": "0"}, headers=admin_headers)
