"""The internal booking routes beyond the shared contract: ferry details, price change replayed
under its key, one operator hold for concurrent duplicates, e-tickets, operator cancellations."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from testkit.booking_contract import assert_booking, assert_problem, new_key
from tests.conftest import FerryProduct, details
from tests.fakes import FakeOperator

BOOKINGS = "/internal/bookings"


async def hold(api: httpx.AsyncClient, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return await api.post(BOOKINGS, json=body, headers={"Idempotency-Key": key or new_key()})


async def test_a_car_and_two_adults_issue_three_e_tickets_with_boarding_codes(
    booking_api: httpx.AsyncClient, product: FerryProduct
) -> None:
    bookable = await product.bookable()
    held = assert_booking(await hold(booking_api, bookable.body()), 201)
    assert held["quote"]["total"] == "481800.00"
    assert held["booking_details"]["vehicle"] == {"class": "IVA", "plate_number": "B 1234 XYZ"}
    assert held["customer"] == {
        "first_name": "Siti",
        "last_name": "Rahayu",
        "email": "siti@example.id",
        "phone": "+6281234567890",
    }
    assert held["booking_details"]["sailing"]["departure_at"].endswith("+07:00")
    issued = assert_booking(await booking_api.post(f"{BOOKINGS}/{held['booking_reference']}/issue"))
    docs = issued["documents"]
    assert [d["kind"] for d in docs] == ["e-ticket"] * 3
    assert [d["title"] for d in docs] == [
        "E-ticket Siti Rahayu",
        "E-ticket Siti B Rahayu",
        "E-ticket vehicle B 1234 XYZ (golongan IVA)",
    ]
    assert all(
        d["fields"]["boarding_code"] and d["fields"]["booking_code"] == held["supplier_reference"]
        for d in docs
    )


async def test_a_price_change_is_409_with_the_new_total_and_replays_under_its_key(
    booking_api: httpx.AsyncClient, product: FerryProduct, operator: FakeOperator
) -> None:
    body, key = (await product.bookable()).body(), new_key()
    operator.price_change_pct = 10
    first = assert_problem(await hold(booking_api, body, key), 409, "price-changed")
    assert (first["total_price"], first["previous_total_price"], first["currency"]) == (
        "529980.00",
        "481800.00",
        "IDR",
    )
    operator.price_change_pct = 0
    again = assert_problem(await hold(booking_api, body, key), 409, "price-changed")
    # The same answer, naming the request that got it (its id is in today's logs).
    assert again.pop("request_id") != first.pop("request_id")
    assert again == first
    assert "hold" not in operator.calls


async def test_concurrent_duplicates_make_one_operator_hold(
    booking_api: httpx.AsyncClient, product: FerryProduct, operator: FakeOperator
) -> None:
    body, key = (await product.bookable()).body(), new_key()
    answers = await asyncio.gather(*(hold(booking_api, body, key) for _ in range(5)))
    bookings = [assert_booking(a, 201) for a in answers]
    assert len({b["booking_reference"] for b in bookings}) == 1
    assert operator.calls.count("hold") == 1


async def test_an_operator_outage_is_503_and_not_recorded(
    booking_api: httpx.AsyncClient, product: FerryProduct, operator: FakeOperator
) -> None:
    body, key = (await product.bookable()).body(), new_key()
    operator.down = True
    assert_problem(await hold(booking_api, body, key), 503, "supplier-unavailable")
    operator.down = False
    assert assert_booking(await hold(booking_api, body, key), 201)["status"] == "held"


async def test_an_unknown_offer_is_410(booking_api: httpx.AsyncClient) -> None:
    assert_problem(
        await hold(booking_api, {"offer_id": "nope", "booking_details": details()}), 410, "offer-expired"
    )


async def test_a_vehicle_of_another_golongan_is_invalid(
    booking_api: httpx.AsyncClient, product: FerryProduct
) -> None:
    bookable = await product.bookable()
    broken = details(vehicle="VB")
    problem = assert_problem(
        await hold(booking_api, {"offer_id": bookable.offer_id, "booking_details": broken}),
        422,
        "invalid-booking",
    )
    assert ["body", "booking_details", "vehicle", "class"] in [e["loc"] for e in problem["errors"]]


async def test_an_operator_cancelled_sailing_fails_issuance_and_an_issued_one_refunds_in_full(
    booking_api: httpx.AsyncClient, product: FerryProduct, operator: FakeOperator
) -> None:
    held = assert_booking(await hold(booking_api, (await product.bookable()).body()), 201)
    issued_first = assert_booking(await hold(booking_api, (await product.bookable()).body()), 201)
    await booking_api.post(f"{BOOKINGS}/{issued_first['booking_reference']}/issue")
    operator.cancelled.add(held["booking_details"]["sailing"]["sailing_id"])
    operator.cancelled.add(issued_first["booking_details"]["sailing"]["sailing_id"])
    failed = assert_booking(await booking_api.post(f"{BOOKINGS}/{held['booking_reference']}/issue"))
    assert failed["status"] == "failed"
    assert "cancelled this sailing" in failed["failure_reason"]
    refunded = assert_booking(
        await booking_api.post(f"{BOOKINGS}/{issued_first['booking_reference']}/cancel")
    )
    assert refunded["refund_amount"] == refunded["quote"]["total"] == "481800.00"


async def test_cancel_after_departure_is_409_not_cancellable(
    booking_api: httpx.AsyncClient, product: FerryProduct, operator: FakeOperator
) -> None:
    held = assert_booking(await hold(booking_api, (await product.bookable()).body()), 201)
    reference = held["booking_reference"]
    await booking_api.post(f"{BOOKINGS}/{reference}/issue")
    operator.depart(next(iter(operator.bookings)))
    assert_problem(await booking_api.post(f"{BOOKINGS}/{reference}/cancel"), 409, "not-cancellable")
    assert assert_booking(await booking_api.get(f"{BOOKINGS}/{reference}"))["status"] == "issued"
