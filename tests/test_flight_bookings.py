"""The booking contract (docs/booking-contract.md) as flights-service speaks it, against the real
sandbox suppliers: hold → issue → cancel, hold → cancel, hold expiry, and two buyers racing for
the last seat. These routes are service-to-service (transaction-service calls them), so the tests
call flights-service directly with the internal token, as transaction-service does. Every booking
answered is checked against the contract's shape (`assert_booking`)."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from testkit.booking_contract import assert_booking
from testkit.stack_runner import StackRunner
from tests.support import service_env

HOLD_TTL_SECONDS = 4


def adult(n: int = 0) -> dict[str, Any]:
    return {
        "type": "adult",
        "title": "mr",
        "gender": "m",
        "first_name": f"Budi{chr(ord('a') + n)}",
        "last_name": "Santoso",
        "date_of_birth": "1985-02-03",
    }


CONTACT = {"email": "budi@example.co.id", "phone": "0812-3456-7890"}


@pytest.fixture
def flights(stack: Stack) -> Iterator[httpx.Client]:
    headers = {"X-Internal-Token": stack.internal_token}
    with httpx.Client(base_url=stack.url("flights"), headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


def offers(gateway: httpx.Client, days_ahead: int, **params: Any) -> list[dict[str, Any]]:
    query = {
        "origin": "CGK",
        "destination": "DPS",
        "departure_date": (date.today() + timedelta(days=days_ahead)).isoformat(),
        "adults": 1,
        **params,
    }
    response = gateway.get("/flights/search", params=query, timeout=30)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["offers"]
    assert found, "Jakarta → Bali has flights every day"
    return found


def flight_of(offer: dict[str, Any]) -> tuple[Any, ...]:
    segments = tuple((s["carrier_code"], s["flight_number"], s["departure_at"]) for s in offer["segments"])
    return (*segments, offer["fare_class"])


def hold(
    flights: httpx.Client, offer_id: str, passengers: list[dict[str, Any]], key: str | None = None
) -> httpx.Response:
    return flights.post(
        "/internal/bookings",
        json={"offer_id": offer_id, "booking_details": {"passengers": passengers, "contact": CONTACT}},
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def test_without_the_internal_token_the_contract_does_not_exist(stack: Stack) -> None:
    response = httpx.post(f"{stack.url('flights')}/internal/bookings", json={}, timeout=10)
    assert response.status_code == 404


def test_hold_then_issue_gives_e_tickets_once_and_cancel_keeps_them(
    gateway: httpx.Client, flights: httpx.Client, sandbox: httpx.Client
) -> None:
    offer = offers(gateway, 70)[0]
    key = str(uuid.uuid4())
    held = hold(flights, offer["offer_id"], [adult()], key)
    booking = assert_booking(held, 201)
    assert (booking["service_type"], booking["status"], booking["holds_inventory"]) == (
        "flight",
        "held",
        True,
    )
    assert booking["supplier"] == offer["supplier"]
    assert booking["supplier_reference"]
    # The quote is what the offer said, to the rupiah, and the customer is the passenger.
    assert booking["quote"]["total"] == offer["total_price"]
    assert booking["quote"]["items"][0]["description"].startswith("Adult fare CGK-DPS ")
    assert booking["customer"] == {
        "first_name": "Budia",
        "last_name": "Santoso",
        "email": "budi@example.co.id",
        "phone": "+6281234567890",
    }
    # The same key replays the same hold rather than taking a second seat.
    again = hold(flights, offer["offer_id"], [adult()], key)
    assert assert_booking(again, 201) == booking

    ref = booking["booking_reference"]
    issued = assert_booking(flights.post(f"/internal/bookings/{ref}/issue"))
    assert issued["status"] == "issued"
    documents = issued["documents"]
    assert [(d["kind"], d["title"]) for d in documents] == [("e-ticket", "E-ticket Budia Santoso")]
    assert documents[0]["reference"] == documents[0]["fields"]["ticket_number"]
    assert documents[0]["fields"]["booking_code"] == booking["supplier_reference"]
    assert documents[0]["fields"]["route"] == "CGK → DPS"
    assert documents[0]["fields"]["departure"].endswith(" WIB (UTC+07:00)")  # Jakarta's local time
    # Issuing twice is a no-op that returns the same booking.
    assert assert_booking(flights.post(f"/internal/bookings/{ref}/issue")) == issued
    assert assert_booking(flights.get(f"/internal/bookings/{ref}")) == issued
    # Cancelling an issued booking cancels it at the supplier (the e-tickets are void, still
    # listed), once: a second cancel returns it as it is, and it can no longer be issued.
    cancelled = assert_booking(flights.post(f"/internal/bookings/{ref}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["documents"] == documents
    assert assert_booking(flights.post(f"/internal/bookings/{ref}/cancel")) == cancelled
    assert assert_booking(flights.get(f"/internal/bookings/{ref}"))["status"] == "cancelled"
    reissued = flights.post(f"/internal/bookings/{ref}/issue")
    assert reissued.status_code == 409
    assert reissued.json()["type"].endswith("/booking-cancelled")


def test_hold_then_cancel_releases_and_cannot_be_issued(
    gateway: httpx.Client, flights: httpx.Client, sandbox: httpx.Client
) -> None:
    offer = offers(gateway, 71, adults=2)[0]
    held = assert_booking(hold(flights, offer["offer_id"], [adult(), adult(1)]), 201)
    ref = held["booking_reference"]
    # Two adults: the quote's lines add up to the supplier's total (assert_booking checks it).
    assert sum(item["quantity"] for item in held["quote"]["items"]) == 2
    assert held["quote"]["total"] == offer["total_price"]

    cancelled = assert_booking(flights.post(f"/internal/bookings/{ref}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["documents"] == []
    assert flights.post(f"/internal/bookings/{ref}/cancel").json()["status"] == "cancelled"
    refused = flights.post(f"/internal/bookings/{ref}/issue")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/booking-cancelled")


def test_bad_passengers_are_422_before_any_supplier_call(
    gateway: httpx.Client, flights: httpx.Client
) -> None:
    offer = offers(gateway, 72)[0]
    infant_only = [{**adult(), "type": "infant", "date_of_birth": "1985-02-03"}]
    response = hold(flights, offer["offer_id"], infant_only)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/invalid-booking")
    locs = {tuple(e["loc"]) for e in problem["errors"]}
    assert ("body", "booking_details", "passengers", 0, "date_of_birth") in locs  # 40 is no infant
    assert ("body", "booking_details", "passengers") in locs  # the offer is for one adult


def test_a_hold_expires_and_then_cannot_be_issued(
    stack_runner: StackRunner, gateway: httpx.Client, flights: httpx.Client
) -> None:
    with service_env(stack_runner, "sandbox", {"SANDBOX_HOLD_TTL_SECONDS": str(HOLD_TTL_SECONDS)}):
        offer = offers(gateway, 73, adults=2)[0]
        ref = assert_booking(hold(flights, offer["offer_id"], [adult(), adult(1)]), 201)["booking_reference"]
        time.sleep(HOLD_TTL_SECONDS + 1.5)
        assert assert_booking(flights.get(f"/internal/bookings/{ref}"))["status"] == "expired"
        refused = flights.post(f"/internal/bookings/{ref}/issue")
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("/hold-expired")


def test_two_concurrent_holds_on_the_last_seat_exactly_one_wins(
    gateway: httpx.Client, flights: httpx.Client, sandbox: httpx.Client
) -> None:
    # A fare with few seats left: hold all but one of them, then race two buyers for the last.
    candidates = [
        o for day in (80, 81, 82) for o in offers(gateway, day) if 2 <= (o["seats_available"] or 0) <= 9
    ]
    assert candidates, "the sandbox's fare classes run low on some flights"
    offer = min(candidates, key=lambda o: o["seats_available"])
    seats = offer["seats_available"]
    day = (date.fromisoformat(offer["segments"][0]["departure_at"][:10]) - date.today()).days
    same_flight = [
        o
        for o in offers(gateway, day, adults=seats - 1)
        if flight_of(o) == flight_of(offer) and o["supplier"] == offer["supplier"]
    ]
    assert same_flight, "a search for more travellers finds the same flight and fare"
    first = hold(flights, same_flight[0]["offer_id"], [adult(n) for n in range(seats - 1)])
    assert first.status_code == 201, first.text

    # The offer now shows one seat left; each buyer holds one seat.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda n: hold(flights, offer["offer_id"], [adult(n)]), range(2)))
    winners = [r for r in results if r.status_code == 201]
    losers = [r for r in results if r.status_code != 201]
    assert len(winners) == 1, [r.text for r in results]
    assert len(losers) == 1, [r.text for r in results]
    # Losing at the order step is "sold-out"; losing earlier, at re-pricing, the supplier no longer
    # offers the fare ("No fare applicable") and the offer is gone. Either way: a clear 4xx.
    slug = losers[0].json()["type"].rsplit("/", 1)[-1]
    assert (losers[0].status_code, slug) in {(409, "sold-out"), (410, "offer-expired")}, losers[0].text
