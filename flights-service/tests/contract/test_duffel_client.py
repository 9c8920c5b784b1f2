"""DuffelClient against respx, with payloads shaped like Duffel API v2's documented ones."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from adapters.airports import AirportsDataDirectory
from adapters.duffel import DuffelClient
from domain.bookings import Gender, Passenger, SupplierOrder, Title
from domain.errors import (
    BookingCancelled,
    HoldExpired,
    HoldRefused,
    OfferExpired,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import CabinClass, PassengerType, SearchCriteria, SupplierOffer
from shared.booking_lifecycle import Contact
from shared.http import make_client

BASE = "https://duffel.test"
CRITERIA = SearchCriteria("CGK", "DPS", date(2030, 5, 1), return_date=date(2030, 5, 5), adults=1, children=1)


def segment(origin: str, dest: str, dep: str, arr: str, number: str) -> dict[str, Any]:
    return {
        "id": f"seg_{number}",
        "origin": {"iata_code": origin, "type": "airport", "time_zone": "Asia/Jakarta"},
        "destination": {"iata_code": dest, "type": "airport"},
        "departing_at": dep,
        "arriving_at": arr,
        "duration": "PT1H50M",
        "marketing_carrier": {"iata_code": "QG", "name": "Citilink"},
        "operating_carrier": {"iata_code": "QG", "name": "Citilink"},
        "marketing_carrier_flight_number": number,
        "aircraft": {"iata_code": "320", "name": "Airbus A320"},
        "passengers": [
            {
                "passenger_id": "pas_1",
                "cabin_class": "economy",
                "cabin_class_marketing_name": "Economy",
                "fare_basis_code": "QOWID",
                "baggages": [{"type": "checked", "quantity": 1}, {"type": "carry_on", "quantity": 1}],
            }
        ],
    }


OFFER: dict[str, Any] = {
    "id": "off_0000AEdGRhtp5AUUdJqMxo",
    "live_mode": False,
    "total_amount": "2400000.00",
    "total_currency": "IDR",
    "base_amount": "2100000.00",
    "tax_amount": "300000.00",
    "expires_at": "2030-04-01T03:30:00.000000Z",
    "owner": {"iata_code": "QG", "name": "Citilink"},
    "slices": [
        {
            "duration": "PT1H50M",
            "segments": [segment("CGK", "DPS", "2030-05-01T07:00:00", "2030-05-01T09:50:00", "684")],
        },
        {
            "duration": "PT2H",
            "segments": [segment("DPS", "CGK", "2030-05-05T18:00:00", "2030-05-05T19:00:00", "685")],
        },
    ],
    "passengers": [{"id": "pas_1", "type": "adult"}, {"id": "pas_2", "age": 8}],
    "payment_requirements": {
        "requires_instant_payment": False,
        "payment_required_by": "2030-04-03T03:30:00Z",
    },
    "conditions": {"refund_before_departure": {"allowed": False, "penalty_amount": None}},
}


def duffel_error(status: int, type_: str, code: str, title: str, message: str) -> dict[str, Any]:
    return {
        "meta": {"status": status, "request_id": "FZW0H3HdJwKk5HMAAKxB"},
        "errors": [{"type": type_, "title": title, "message": message, "code": code}],
    }


@pytest.fixture(scope="module")
def airports() -> AirportsDataDirectory:
    return AirportsDataDirectory()


@pytest.fixture
async def duffel(airports: AirportsDataDirectory) -> Any:
    client = make_client(BASE, timeout=0.5)
    yield DuffelClient(client, access_token="duffel_test_x", airports=airports)
    await client.aclose()


@pytest.fixture
def api() -> Any:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


async def test_search_posts_an_offer_request_and_normalises_offers(duffel: DuffelClient, api: Any) -> None:
    route = api.post("/air/offer_requests").respond(
        201, json={"data": {"id": "orq_1", "offers": [OFFER], "slices": [], "passengers": []}}
    )
    [found] = await duffel.search(CRITERIA)
    request = route.calls.last.request
    assert request.url.params["return_offers"] == "true"
    assert request.headers["authorization"] == "Bearer duffel_test_x"
    assert request.headers["duffel-version"] == "v2"
    assert json.loads(request.content) == {
        "data": {
            "slices": [
                {"origin": "CGK", "destination": "DPS", "departure_date": "2030-05-01"},
                {"origin": "DPS", "destination": "CGK", "departure_date": "2030-05-05"},
            ],
            "passengers": [{"type": "adult"}, {"age": 8}],
            "cabin_class": "economy",
        }
    }
    offer = found.offer
    assert offer.supplier == "duffel"
    assert offer.supplier_offer_id == OFFER["id"]
    assert offer.total_price == Decimal("2400000.00")
    assert len(offer.itineraries) == 2
    out, back = offer.itineraries
    assert out.segments[0].designator == "QG684"
    assert out.segments[0].departure_at.isoformat() == "2030-05-01T07:00:00+07:00"
    assert out.segments[0].arrival_at.isoformat() == "2030-05-01T09:50:00+08:00"
    assert back.duration_minutes == 120
    assert offer.cabin_class is CabinClass.ECONOMY
    assert offer.baggage.checked_pieces == 1
    assert offer.refundable is False
    assert offer.expires_at is not None
    assert {p.passenger_type: p.price_each for p in offer.passenger_prices} == {
        PassengerType.ADULT: Decimal("1200000"),
        PassengerType.CHILD: Decimal("1200000"),
    }


async def test_a_validation_error_payload_is_supplier_rejected(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/offer_requests").respond(
        422,
        json=duffel_error(
            422, "validation_error", "invalid_airport", "Invalid airport", "Field 'origin' is invalid"
        ),
    )
    with pytest.raises(SupplierRejected, match="invalid_airport"):
        await duffel.search(CRITERIA)


@pytest.mark.parametrize("status", [401, 429, 500, 503])
async def test_server_auth_and_rate_errors_are_supplier_unavailable(
    duffel: DuffelClient, api: Any, status: int
) -> None:
    api.post("/air/offer_requests").respond(
        status,
        json=duffel_error(status, "api_error", "internal_server_error", "Error", "Something went wrong"),
    )
    with pytest.raises(SupplierUnavailable, match=f"HTTP {status}"):
        await duffel.search(CRITERIA)


async def test_a_timeout_is_supplier_unavailable(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/offer_requests").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(SupplierUnavailable, match="timed out"):
        await duffel.search(CRITERIA)


async def test_a_dropped_connection_is_supplier_unavailable(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/offer_requests").mock(side_effect=httpx.RemoteProtocolError("eof"))
    with pytest.raises(SupplierUnavailable, match="transport"):
        await duffel.search(CRITERIA)


@pytest.mark.parametrize("content", [b"\x00\xffgarbage", b'{"data": {"offers": 5}}', b'"data"'])
async def test_garbage_is_supplier_unavailable(duffel: DuffelClient, api: Any, content: bytes) -> None:
    api.post("/air/offer_requests").respond(200, content=content)
    with pytest.raises(SupplierUnavailable, match="malformed"):
        await duffel.search(CRITERIA)


async def test_offers_in_another_currency_are_left_out(duffel: DuffelClient, api: Any) -> None:
    usd = {**OFFER, "id": "off_usd", "total_currency": "USD"}
    api.post("/air/offer_requests").respond(201, json={"data": {"offers": [usd, OFFER]}})
    assert [o.offer.supplier_offer_id for o in await duffel.search(CRITERIA)] == [OFFER["id"]]


async def test_pricing_fetches_the_offer_again(duffel: DuffelClient, api: Any) -> None:
    fresh = copy.deepcopy(OFFER)
    fresh["total_amount"] = "2500000.00"
    route = api.get(f"/air/offers/{OFFER['id']}").respond(200, json={"data": fresh})
    cached = SupplierOffer(duffel.parse_offer(OFFER, CabinClass.ECONOMY), OFFER)
    priced = await duffel.price(cached, CRITERIA)
    assert route.calls.last.request.headers["duffel-version"] == "v2"
    assert priced.offer.total_price == Decimal("2500000.00")


@pytest.mark.parametrize(("status", "code"), [(404, "not_found"), (422, "offer_no_longer_available")])
async def test_an_offer_that_is_gone_is_offer_expired(
    duffel: DuffelClient, api: Any, status: int, code: str
) -> None:
    api.get(f"/air/offers/{OFFER['id']}").respond(
        status,
        json=duffel_error(status, "invalid_request_error", code, "Gone", "The offer is no longer available"),
    )
    cached = SupplierOffer(duffel.parse_offer(OFFER, CabinClass.ECONOMY), OFFER)
    with pytest.raises(OfferExpired):
        await duffel.price(cached, CRITERIA)


# --- booking: hold orders, payments, two-step cancellations ---------------------------------------

PAX = (
    Passenger(
        PassengerType.CHILD, Title.MS, Gender.FEMALE, "Sari", "Santoso", date(2022, 6, 1),
        nationality="ID", passport_number="B1234567", passport_expiry=date(2035, 1, 1),
    ),
    Passenger(PassengerType.ADULT, Title.MR, Gender.MALE, "Budi", "Santoso", date(1990, 1, 15)),
)  # fmt: skip
CONTACT = Contact("budi@example.co.id", "+6281234567890")
ORDER_ID = "ord_0000AEdGRhtp5AUUdJqMxo"


def order(**overrides: Any) -> dict[str, Any]:
    body = {
        "id": ORDER_ID,
        "type": "hold",
        "live_mode": False,
        "booking_reference": "RZPVT2",
        "offer_id": OFFER["id"],
        "total_amount": "2400000.00",
        "total_currency": "IDR",
        "base_amount": "2100000.00",
        "tax_amount": "300000.00",
        "slices": OFFER["slices"],
        "passengers": [],
        "payment_status": {
            "awaiting_payment": True,
            "payment_required_by": "2030-04-01T03:20:00Z",
            "price_guarantee_expires_at": "2030-04-01T03:20:00Z",
            "paid_at": None,
        },
        "documents": [],
        "cancelled_at": None,
        **overrides,
    }
    return {"data": body}


def priced(duffel: DuffelClient) -> SupplierOffer:
    return SupplierOffer(duffel.parse_offer(OFFER, CabinClass.ECONOMY), OFFER)


HELD = SupplierOrder(
    "duffel",
    ORDER_ID,
    Decimal("2400000.00"),
    tuple(replace(p, supplier_passenger_id=pid) for p, pid in zip(PAX, ["pas_2", "pas_1"], strict=True)),
)


async def test_a_hold_order_maps_passengers_onto_the_offers_passenger_ids(
    duffel: DuffelClient, api: Any
) -> None:
    route = api.post("/air/orders").respond(201, json=order())
    held = await duffel.hold(priced(duffel), PAX, CONTACT)
    sent = json.loads(route.calls.last.request.content)["data"]
    assert sent["type"] == "hold"
    assert sent["selected_offers"] == [OFFER["id"]]
    assert "payments" not in sent
    assert sent["passengers"] == [
        {
            "id": "pas_2",
            "title": "ms",
            "gender": "f",
            "given_name": "Sari",
            "family_name": "Santoso",
            "born_on": "2022-06-01",
            "email": "budi@example.co.id",
            "phone_number": "+6281234567890",
            "identity_documents": [
                {"type": "passport", "unique_identifier": "B1234567", "expires_on": "2035-01-01",
                 "issuing_country_code": "ID"}
            ],
        },
        {
            "id": "pas_1",
            "title": "mr",
            "gender": "m",
            "given_name": "Budi",
            "family_name": "Santoso",
            "born_on": "1990-01-15",
            "email": "budi@example.co.id",
            "phone_number": "+6281234567890",
        },
    ]  # fmt: skip
    assert (held.order_id, held.reference, held.total_price) == (ORDER_ID, "RZPVT2", Decimal("2400000.00"))
    assert held.hold_expires_at == datetime(2030, 4, 1, 3, 20, tzinfo=UTC)
    assert [p.supplier_passenger_id for p in held.passengers] == ["pas_2", "pas_1"]


async def test_a_lap_infant_rides_with_an_adult(duffel: DuffelClient, api: Any) -> None:
    offer = {
        **OFFER,
        "passengers": [{"id": "pas_1", "type": "adult"}, {"id": "pas_3", "type": "infant_without_seat"}],
    }
    infant = Passenger(PassengerType.INFANT, Title.MR, Gender.MALE, "Adi", "Santoso", date(2029, 9, 1))
    route = api.post("/air/orders").respond(201, json=order())
    await duffel.hold(
        SupplierOffer(duffel.parse_offer(offer, CabinClass.ECONOMY), offer), (infant, PAX[1]), CONTACT
    )
    sent = json.loads(route.calls.last.request.content)["data"]["passengers"]
    assert [p["id"] for p in sent] == ["pas_3", "pas_1"]
    assert sent[1]["infant_passenger_id"] == "pas_3"


@pytest.mark.parametrize(
    ("status", "type_", "code", "error"),
    [
        (422, "invalid_request_error", "offer_no_longer_available", HoldRefused),
        (502, "airline_error", "airline_unknown", HoldRefused),
        (404, "invalid_request_error", "not_found", OfferExpired),
        (422, "validation_error", "validation_required", SupplierRejected),
        (500, "api_error", "internal_server_error", SupplierUnavailable),
    ],
)
async def test_order_refusals_become_domain_errors(
    duffel: DuffelClient, api: Any, status: int, type_: str, code: str, error: type[Exception]
) -> None:
    api.post("/air/orders").respond(status, json=duffel_error(status, type_, code, "No", "Refused"))
    with pytest.raises(error):
        await duffel.hold(priced(duffel), PAX, CONTACT)


async def test_a_malformed_order_or_a_timeout_is_supplier_unavailable(duffel: DuffelClient, api: Any) -> None:
    route = api.post("/air/orders").respond(201, json=order(payment_status={}))
    with pytest.raises(SupplierUnavailable, match="malformed"):
        await duffel.hold(priced(duffel), PAX, CONTACT)
    route.mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(SupplierTimeout):
        await duffel.hold(priced(duffel), PAX, CONTACT)


async def test_issuing_pays_the_total_and_reads_the_tickets(duffel: DuffelClient, api: Any) -> None:
    pay = api.post("/air/payments").respond(
        201, json={"data": {"id": "pay_1", "type": "balance", "amount": "2400000.00", "currency": "IDR"}}
    )
    documents = [
        {"type": "electronic_ticket", "unique_identifier": "1262345678901", "passenger_ids": ["pas_1"]},
        {"type": "electronic_ticket", "unique_identifier": "1262345678902", "passenger_ids": ["pas_2"]},
    ]
    api.get(f"/air/orders/{ORDER_ID}").respond(200, json=order(documents=documents))
    tickets = await duffel.issue(HELD)
    assert json.loads(pay.calls.last.request.content) == {
        "data": {
            "order_id": ORDER_ID,
            "payment": {"type": "balance", "amount": "2400000.00", "currency": "IDR"},
        }
    }
    assert [(t.passenger, t.ticket_number) for t in tickets] == [
        ("Budi Santoso", "1262345678901"),
        ("Sari Santoso", "1262345678902"),
    ]


async def test_issuing_an_order_already_paid_reads_its_tickets(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/payments").respond(
        422, json=duffel_error(422, "invalid_state_error", "already_paid", "Paid", "Already paid")
    )
    documents = [
        {"type": "electronic_ticket", "unique_identifier": "1262345678901", "passenger_ids": ["pas_1"]}
    ]
    api.get(f"/air/orders/{ORDER_ID}").respond(200, json=order(documents=documents))
    assert [t.ticket_number for t in await duffel.issue(HELD)] == ["1262345678901"]


async def test_a_paid_order_without_tickets_yet_is_retried_later(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/payments").respond(201, json={"data": {"id": "pay_1"}})
    api.get(f"/air/orders/{ORDER_ID}").respond(200, json=order())
    with pytest.raises(SupplierUnavailable, match="no tickets yet"):
        await duffel.issue(HELD)


@pytest.mark.parametrize(
    ("code", "error"),
    [("order_expired", HoldExpired), ("already_cancelled", BookingCancelled), ("unknown", SupplierRejected)],
)
async def test_payment_refusals_become_domain_errors(
    duffel: DuffelClient, api: Any, code: str, error: type[Exception]
) -> None:
    api.post("/air/payments").respond(422, json=duffel_error(422, "invalid_state_error", code, "No", "No"))
    with pytest.raises(error):
        await duffel.issue(HELD)


async def test_cancel_quotes_then_confirms(duffel: DuffelClient, api: Any) -> None:
    quote = api.post("/air/order_cancellations").respond(
        201,
        json={"data": {"id": "ore_1", "order_id": ORDER_ID, "refund_amount": "0.00", "refund_currency": "IDR",
                       "refund_to": "balance", "expires_at": "2030-04-01T03:05:00Z", "confirmed_at": None}},
    )  # fmt: skip
    confirm = api.post("/air/order_cancellations/ore_1/actions/confirm").respond(
        200, json={"data": {"id": "ore_1", "order_id": ORDER_ID, "confirmed_at": "2030-04-01T03:01:00Z"}}
    )
    assert await duffel.cancel(HELD) == Decimal("0.00")
    assert json.loads(quote.calls.last.request.content) == {"data": {"order_id": ORDER_ID}}
    assert confirm.called


def cancellation(
    refund: str | None, currency: str | None = "IDR", confirmed: str | None = None
) -> dict[str, Any]:
    """An order cancellation as Duffel answers it (create: confirmed_at null; confirm: set)."""
    return {
        "data": {
            "id": "ore_00009qzZWzjDipIkqpaUAj",
            "order_id": ORDER_ID,
            "refund_amount": refund,
            "refund_currency": currency,
            "refund_to": "balance",
            "airline_credits": [],
            "expires_at": "2030-04-01T03:05:00Z",
            "created_at": "2030-04-01T03:00:00.000Z",
            "confirmed_at": confirmed,
            "live_mode": False,
        }
    }


async def test_cancelling_a_paid_order_returns_the_quoted_refund(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/order_cancellations").respond(201, json=cancellation("1050000.00"))
    confirm = api.post("/air/order_cancellations/ore_00009qzZWzjDipIkqpaUAj/actions/confirm").respond(
        200, json=cancellation("1050000.00", confirmed="2030-04-01T03:01:00.114803Z")
    )
    assert await duffel.cancel(HELD) == Decimal("1050000.00")
    assert confirm.called
    assert confirm.calls.last.request.headers["duffel-version"] == "v2"


async def test_a_refund_in_another_currency_or_none_is_not_recorded(duffel: DuffelClient, api: Any) -> None:
    quote = api.post("/air/order_cancellations").respond(201, json=cancellation("90.80", "GBP"))
    api.post("/air/order_cancellations/ore_00009qzZWzjDipIkqpaUAj/actions/confirm").respond(
        200, json=cancellation("90.80", "GBP", confirmed="2030-04-01T03:01:00Z")
    )
    assert await duffel.cancel(HELD) is None
    quote.respond(201, json=cancellation(None, None))
    assert await duffel.cancel(HELD) is None


async def test_a_failed_confirmation_is_an_error_unless_already_cancelled(
    duffel: DuffelClient, api: Any
) -> None:
    api.post("/air/order_cancellations").respond(201, json=cancellation("1050000.00"))
    confirm = api.post("/air/order_cancellations/ore_00009qzZWzjDipIkqpaUAj/actions/confirm")
    confirm.respond(
        422,
        json=duffel_error(422, "invalid_state_error", "cancellation_expired", "Expired", "The quote expired"),
    )
    with pytest.raises(SupplierRejected):
        await duffel.cancel(HELD)
    confirm.respond(
        422, json=duffel_error(422, "invalid_state_error", "already_cancelled", "Cancelled", "Already")
    )
    assert await duffel.cancel(HELD) is None
    confirm.mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(SupplierTimeout):
        await duffel.cancel(HELD)


async def test_cancelling_an_order_already_cancelled_is_done(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/order_cancellations").respond(
        422, json=duffel_error(422, "invalid_state_error", "already_cancelled", "Cancelled", "Already")
    )
    confirm = api.post(url__regex=r"/air/order_cancellations/.+/actions/confirm")
    assert await duffel.cancel(HELD) is None
    assert not confirm.called


async def test_a_cancellation_outage_is_supplier_unavailable(duffel: DuffelClient, api: Any) -> None:
    api.post("/air/order_cancellations").respond(
        500, json=duffel_error(500, "api_error", "internal_server_error", "Error", "Boom")
    )
    with pytest.raises(SupplierUnavailable):
        await duffel.cancel(HELD)
