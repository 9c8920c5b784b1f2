"""The hotel side of the booking contract through the app, with the hotel rules: the quote is a
checked rate, the supplier booking happens at issue, cancellation refunds what the policy allows."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.conftest import guest_details, search_offers
from tests.fakes import FakeHotelSupplier, MovableClock

BOOKINGS = "/internal/bookings"


async def an_offer(api: httpx.AsyncClient, refundable: bool = True) -> dict[str, Any]:
    found = await search_offers(api)
    offer: dict[str, Any] = next(
        o for h in found["hotels"] for o in h["offers"] if o["refundable"] is refundable
    )
    return offer


async def hold(
    api: httpx.AsyncClient, offer_id: str, key: str | None = None, **details: Any
) -> httpx.Response:
    body = {"offer_id": offer_id, "booking_details": guest_details(**details)}
    return await api.post(BOOKINGS, json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())})


async def test_hold_checks_the_rate_and_quotes_the_stay(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    offer = await an_offer(booking_api)
    r = await hold(booking_api, offer["offer_id"])
    booking = r.json()
    assert r.status_code == 201, r.text
    assert supplier.calls.count("checkrates") == 1
    assert "book" not in supplier.calls  # nothing is booked before payment
    assert booking["holds_inventory"] is False
    assert booking["quote"]["total"] == offer["total_price"]
    assert "Double Standard" in booking["quote"]["items"][0]["description"]
    assert booking["customer"] == {
        "first_name": "Siti",
        "last_name": "Rahayu",
        "email": "siti@example.co.id",
        "phone": "+6281234567890",
    }
    assert booking["booking_details"]["stay"]["cancellation_policy"].startswith("Free cancellation until")


async def test_a_changed_price_at_the_recheck_is_409_with_the_new_total_then_a_new_key_accepts_it(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    offer = await an_offer(booking_api)
    supplier.price_moves = Decimal("150000")
    key = str(uuid.uuid4())
    refused = await hold(booking_api, offer["offer_id"], key)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("/price-changed")
    assert problem["previous_total_price"] == offer["total_price"]
    assert Decimal(problem["total_price"]) == Decimal(offer["total_price"]) + 150000
    again = await hold(booking_api, offer["offer_id"], key)  # replayed, not asked again
    assert again.json()["total_price"] == problem["total_price"]
    assert supplier.calls.count("checkrates") == 1
    accepted = await hold(booking_api, offer["offer_id"])
    assert accepted.status_code == 201
    assert accepted.json()["quote"]["total"] == problem["total_price"]


async def test_an_unknown_offer_is_410(booking_api: httpx.AsyncClient) -> None:
    r = await hold(booking_api, "htl_unknown")
    assert r.status_code == 410
    assert r.json()["type"].endswith("/offer-expired")


async def test_guest_rules_one_guest_per_room_and_a_valid_contact(booking_api: httpx.AsyncClient) -> None:
    found = await search_offers(booking_api, rooms=2, adults=3)
    offer = found["hotels"][0]["offers"][0]
    r = await hold(
        booking_api,
        offer["offer_id"],
        guests=[{"first_name": "Siti", "last_name": "Rahayu"}],
        contact={"email": "siti@example.co.id", "phone": "abc"},
        surprise=True,
    )
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert locs == {
        ("body", "booking_details", "guests"),
        ("body", "booking_details", "contact", "phone"),
        ("body", "booking_details", "surprise"),
    }


async def test_a_supplier_outage_at_hold_is_503_and_the_same_key_tries_again(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    offer = await an_offer(booking_api)
    key = str(uuid.uuid4())
    supplier.down = True
    down = await hold(booking_api, offer["offer_id"], key)
    assert down.status_code == 503
    supplier.down = False
    assert (await hold(booking_api, offer["offer_id"], key)).status_code == 201


async def test_issue_books_at_the_supplier_and_the_voucher_carries_reference_and_policy(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    offer = await an_offer(booking_api)
    reference = (await hold(booking_api, offer["offer_id"])).json()["booking_reference"]
    issued = (await booking_api.post(f"{BOOKINGS}/{reference}/issue")).json()
    assert issued["status"] == "issued"
    assert issued["supplier_reference"].startswith("102-")
    [voucher] = issued["documents"]
    assert voucher["kind"] == "hotel-voucher"
    assert voucher["reference"] == issued["supplier_reference"]
    fields = voucher["fields"]
    assert fields["hotel"] in {"Alaya Ubud Sawah", "Pondok Bambu Ubud"}
    assert fields["guests"] == "Siti Rahayu, Budi Santoso"
    assert fields["occupancy"] == "2 adults, 1 child (age 7)"
    assert fields["cancellation_policy"].startswith("Free cancellation until")
    assert "WITA" in fields["cancellation_policy"]
    assert fields["special_requests"] == "Late arrival, around 22:00"
    booked = supplier.bookings[issued["supplier_reference"]]
    assert booked.holder.first_name == "Siti"
    assert booked.remark == "Late arrival, around 22:00"


async def test_sold_out_or_repriced_after_payment_fails_the_booking_with_a_reason(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    first = (await hold(booking_api, (await an_offer(booking_api))["offer_id"])).json()["booking_reference"]
    second = (await hold(booking_api, (await an_offer(booking_api))["offer_id"])).json()["booking_reference"]
    supplier.sold_out_on_book = True
    sold_out = (await booking_api.post(f"{BOOKINGS}/{first}/issue")).json()
    supplier.sold_out_on_book, supplier.repriced_on_book = False, True
    repriced = (await booking_api.post(f"{BOOKINGS}/{second}/issue")).json()
    assert sold_out["status"] == repriced["status"] == "failed"
    assert "no room left" in sold_out["failure_reason"]
    assert "price changed" in repriced["failure_reason"]
    assert sold_out["documents"] == []
    again = await booking_api.post(f"{BOOKINGS}/{first}/issue")
    assert again.json() == sold_out
    assert supplier.calls.count("book") == 2


async def test_cancel_after_issue_asks_the_fee_first_and_refunds_paid_less_fee(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    offer = await an_offer(booking_api)
    reference = (await hold(booking_api, offer["offer_id"])).json()["booking_reference"]
    await booking_api.post(f"{BOOKINGS}/{reference}/issue")
    supplier.fee = Decimal("700000.00")
    cancelled = (await booking_api.post(f"{BOOKINGS}/{reference}/cancel")).json()
    assert cancelled["status"] == "cancelled"
    assert Decimal(cancelled["refund_amount"]) == Decimal(offer["total_price"]) - 700000
    assert supplier.calls[-2:] == ["simulate", "cancel"]


async def test_a_non_refundable_rate_refunds_nothing(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    offer = await an_offer(booking_api, refundable=False)
    booking = (await hold(booking_api, offer["offer_id"])).json()
    assert (
        booking["booking_details"]["stay"]["cancellation_policy"]
        == "Non-refundable: cancelling refunds nothing."
    )
    reference = booking["booking_reference"]
    await booking_api.post(f"{BOOKINGS}/{reference}/issue")
    supplier.fee = Decimal(offer["total_price"])
    cancelled = (await booking_api.post(f"{BOOKINGS}/{reference}/cancel")).json()
    assert cancelled["refund_amount"] == "0.00"


async def test_a_lapsed_quote_reads_expired_and_cannot_be_issued(
    booking_api: httpx.AsyncClient, clock: MovableClock
) -> None:
    reference = (await hold(booking_api, (await an_offer(booking_api))["offer_id"])).json()[
        "booking_reference"
    ]
    clock.advance(901)
    assert (await booking_api.get(f"{BOOKINGS}/{reference}")).json()["status"] == "expired"
    late = await booking_api.post(f"{BOOKINGS}/{reference}/issue")
    assert late.status_code == 409
    assert late.json()["type"].endswith("/hold-expired")


async def test_a_pending_booking_cannot_be_cancelled_until_the_hotel_answers(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    reference = (await hold(booking_api, (await an_offer(booking_api))["offer_id"])).json()[
        "booking_reference"
    ]
    supplier.pending_next = "failed"
    pending = (await booking_api.post(f"{BOOKINGS}/{reference}/issue")).json()
    assert pending["status"] == "pending"
    refused = await booking_api.post(f"{BOOKINGS}/{reference}/cancel")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/not-cancellable")
    supplier.settle(pending["supplier_reference"])
    failed = (await booking_api.get(f"{BOOKINGS}/{reference}")).json()
    assert failed["status"] == "failed"
    assert "did not confirm" in failed["failure_reason"]


async def test_a_timeout_while_booking_is_retried_without_booking_twice(
    booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    reference = (await hold(booking_api, (await an_offer(booking_api))["offer_id"])).json()[
        "booking_reference"
    ]
    supplier.times_out_after_booking = True
    lost = await booking_api.post(f"{BOOKINGS}/{reference}/issue")
    assert lost.status_code == 504
    assert (await booking_api.get(f"{BOOKINGS}/{reference}")).json()["status"] == "held"
    retried = (await booking_api.post(f"{BOOKINGS}/{reference}/issue")).json()
    assert retried["status"] == "issued"
    assert len(supplier.bookings) == 1
    assert retried["supplier_reference"] == next(iter(supplier.bookings))
    assert supplier.calls.count("book") == 1
