"""AmadeusClient against respx, with payloads shaped like Amadeus Self-Service's documented ones."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from adapters.airports import AirportsDataDirectory
from adapters.amadeus import AmadeusClient
from domain.bookings import Gender, Passenger, SupplierHold, SupplierOrder, Title
from domain.errors import (
    BookingCancelled,
    HoldExpired,
    HoldRefused,
    OfferExpired,
    PriceMovedAtHold,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import CabinClass, PassengerType, SearchCriteria, SupplierOffer
from shared.booking_lifecycle import Contact
from shared.http import make_client

BASE = "https://amadeus.test"
CRITERIA = SearchCriteria("CGK", "DPS", date(2030, 5, 1), adults=2, infants=1)

OFFER: dict[str, Any] = {
    "type": "flight-offer",
    "id": "1",
    "source": "GDS",
    "lastTicketingDate": "2030-04-20",
    "numberOfBookableSeats": 4,
    "itineraries": [
        {
            "duration": "PT1H50M",
            "segments": [
                {
                    "id": "1",
                    "departure": {"iataCode": "CGK", "terminal": "3", "at": "2030-05-01T06:00:00"},
                    "arrival": {"iataCode": "DPS", "terminal": "D", "at": "2030-05-01T08:50:00"},
                    "carrierCode": "GA",
                    "number": "402",
                    "aircraft": {"code": "738"},
                    "operating": {"carrierCode": "GA"},
                    "duration": "PT1H50M",
                    "numberOfStops": 0,
                }
            ],
        }
    ],
    "price": {
        "currency": "IDR",
        "total": "3300000.00",
        "base": "3000000.00",
        "fees": [{"amount": "0.00", "type": "SUPPLIER"}],
        "grandTotal": "3300000.00",
    },
    "pricingOptions": {"fareType": ["PUBLISHED"], "includedCheckedBagsOnly": True},
    "validatingAirlineCodes": ["GA"],
    "travelerPricings": [
        {
            "travelerId": str(i),
            "fareOption": "STANDARD",
            "travelerType": kind,
            "price": {"currency": "IDR", "total": total, "base": total},
            "fareDetailsBySegment": [
                {
                    "segmentId": "1",
                    "cabin": "ECONOMY",
                    "fareBasis": "YOWID",
                    "brandedFare": "ECOFLEX",
                    "class": "Y",
                    "includedCheckedBags": {"weight": 20, "weightUnit": "KG"},
                    "amenities": [
                        {
                            "description": "REFUNDABLE TICKET",
                            "isChargeable": False,
                            "amenityType": "BRANDED_FARES",
                        }
                    ],
                }
            ],
        }
        for i, (kind, total) in enumerate(
            [("ADULT", "1500000.00"), ("ADULT", "1500000.00"), ("HELD_INFANT", "300000.00")], start=1
        )
    ],
}
SEARCH_BODY: dict[str, Any] = {
    "meta": {"count": 1},
    "data": [OFFER],
    "dictionaries": {"carriers": {"GA": "GARUDA INDONESIA"}, "aircraft": {"738": "BOEING 737-800"}},
}
TOKEN_BODY = {
    "type": "amadeusOAuth2Token",
    "username": "dev@example.com",
    "application_name": "tiketq",
    "client_id": "cid",
    "token_type": "Bearer",
    "access_token": "tok-1",
    "expires_in": 1799,
    "state": "approved",
    "scope": "",
}


def error_body(status: int, code: int, title: str, detail: str) -> dict[str, Any]:
    return {"errors": [{"status": status, "code": code, "title": title, "detail": detail}]}


@pytest.fixture(scope="module")
def airports() -> AirportsDataDirectory:
    return AirportsDataDirectory()


@pytest.fixture
async def amadeus(airports: AirportsDataDirectory) -> Any:
    client = make_client(BASE, timeout=0.5)
    yield AmadeusClient(client, client_id="cid", client_secret="secret", airports=airports)
    await client.aclose()


@pytest.fixture
def api() -> Any:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post("/v1/security/oauth2/token").respond(200, json=TOKEN_BODY)
        yield mock


async def test_search_sends_the_documented_query_and_normalises_the_offer(
    amadeus: AmadeusClient, api: Any
) -> None:
    route = api.get("/v2/shopping/flight-offers").respond(200, json=SEARCH_BODY)
    [found] = await amadeus.search(CRITERIA)
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer tok-1"
    params = dict(request.url.params)
    assert params["originLocationCode"] == "CGK"
    assert params["destinationLocationCode"] == "DPS"
    assert params["departureDate"] == "2030-05-01"
    assert params["adults"] == "2"
    assert params["infants"] == "1"
    assert params["travelClass"] == "ECONOMY"
    assert params["currencyCode"] == "IDR"
    offer = found.offer
    assert found.raw == OFFER
    assert offer.total_price == Decimal("3300000.00")
    assert offer.currency == "IDR"
    [segment] = offer.segments
    assert segment.carrier_name == "Garuda Indonesia"
    assert segment.designator == "GA402"
    assert segment.departure_at.isoformat() == "2030-05-01T06:00:00+07:00"  # WIB
    assert segment.arrival_at.isoformat() == "2030-05-01T08:50:00+08:00"  # WITA
    assert segment.duration_minutes == 110
    assert segment.aircraft == "BOEING 737-800"
    assert offer.stops == 0
    assert offer.cabin_class is CabinClass.ECONOMY
    assert (offer.fare_class, offer.fare_basis, offer.fare_brand) == ("Y", "YOWID", "ECOFLEX")
    assert offer.baggage.checked_kg == 20
    assert offer.refundable is True
    assert offer.seats_available == 4
    prices = {p.passenger_type: (p.count, p.price_each) for p in offer.passenger_prices}
    assert prices == {
        PassengerType.ADULT: (2, Decimal("1500000.00")),
        PassengerType.INFANT: (1, Decimal("300000.00")),
    }


async def test_the_token_is_reused_until_it_expires(amadeus: AmadeusClient, api: Any) -> None:
    api.get("/v2/shopping/flight-offers").respond(200, json=SEARCH_BODY)
    await amadeus.search(CRITERIA)
    await amadeus.search(CRITERIA)
    assert api.routes[0].call_count == 1
    form = dict(httpx.QueryParams(api.routes[0].calls.last.request.content.decode()))
    assert form == {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "secret"}


async def test_a_401_refreshes_the_token_once(amadeus: AmadeusClient, api: Any) -> None:
    api.routes[0].side_effect = [
        httpx.Response(200, json={**TOKEN_BODY, "access_token": "old"}),
        httpx.Response(200, json={**TOKEN_BODY, "access_token": "new"}),
    ]
    expired = error_body(401, 38192, "Access token expired", "Access token expired")
    route = api.get("/v2/shopping/flight-offers").mock(
        side_effect=[httpx.Response(401, json=expired), httpx.Response(200, json=SEARCH_BODY)]
    )
    assert len(await amadeus.search(CRITERIA)) == 1
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer old", "Bearer new"]


async def test_a_second_401_is_supplier_unavailable(amadeus: AmadeusClient, api: Any) -> None:
    invalid = error_body(401, 38190, "Invalid access token", "The access token provided is invalid")
    api.get("/v2/shopping/flight-offers").respond(401, json=invalid)
    with pytest.raises(SupplierUnavailable, match="38190"):
        await amadeus.search(CRITERIA)


async def test_rejected_credentials_are_supplier_unavailable(amadeus: AmadeusClient, api: Any) -> None:
    api.routes[0].respond(
        401,
        json={
            "error": "invalid_client",
            "error_description": "Client credentials are invalid",
            "code": 38187,
        },
    )
    with pytest.raises(SupplierUnavailable, match="invalid_client"):
        await amadeus.search(CRITERIA)


async def test_a_400_error_payload_is_supplier_rejected(amadeus: AmadeusClient, api: Any) -> None:
    api.get("/v2/shopping/flight-offers").respond(
        400, json=error_body(400, 477, "INVALID FORMAT", "invalid query parameter format")
    )
    with pytest.raises(SupplierRejected, match="INVALID FORMAT"):
        await amadeus.search(CRITERIA)


async def test_a_500_error_payload_is_supplier_unavailable(amadeus: AmadeusClient, api: Any) -> None:
    api.get("/v2/shopping/flight-offers").respond(
        500, json=error_body(500, 141, "SYSTEM ERROR HAS OCCURRED", "")
    )
    with pytest.raises(SupplierUnavailable, match="141"):
        await amadeus.search(CRITERIA)


async def test_a_timeout_is_supplier_unavailable(amadeus: AmadeusClient, api: Any) -> None:
    api.get("/v2/shopping/flight-offers").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(SupplierUnavailable, match="timed out"):
        await amadeus.search(CRITERIA)


@pytest.mark.parametrize(
    "content", [b"<html>502 Bad Gateway</html>", b'{"data": [', b"[]", b'{"meta": {"count": 0}}']
)
async def test_garbage_is_supplier_unavailable(amadeus: AmadeusClient, api: Any, content: bytes) -> None:
    api.get("/v2/shopping/flight-offers").respond(200, content=content)
    with pytest.raises(SupplierUnavailable, match="malformed"):
        await amadeus.search(CRITERIA)


async def test_a_malformed_offer_is_skipped_when_others_are_fine(amadeus: AmadeusClient, api: Any) -> None:
    broken = {"id": "2", "itineraries": "nope", "price": {}}
    api.get("/v2/shopping/flight-offers").respond(200, json={**SEARCH_BODY, "data": [broken, OFFER]})
    assert [o.offer.supplier_offer_id for o in await amadeus.search(CRITERIA)] == ["1"]


async def test_pricing_posts_the_raw_offer_with_the_method_override(amadeus: AmadeusClient, api: Any) -> None:
    repriced = copy.deepcopy(OFFER)
    repriced["price"]["grandTotal"] = repriced["price"]["total"] = "3450000.00"
    route = api.post("/v1/shopping/flight-offers/pricing").respond(
        200, json={"data": {"type": "flight-offers-pricing", "flightOffers": [repriced]}, "dictionaries": {}}
    )
    cached = SupplierOffer(amadeus.parse_offer(OFFER, SEARCH_BODY["dictionaries"], CabinClass.ECONOMY), OFFER)
    fresh = await amadeus.price(cached, CRITERIA)
    request = route.calls.last.request
    assert request.headers["x-http-method-override"] == "GET"
    assert json.loads(request.content) == {"data": {"type": "flight-offers-pricing", "flightOffers": [OFFER]}}
    assert fresh.offer.total_price == Decimal("3450000.00")


async def test_pricing_an_offer_that_is_gone_is_offer_expired(amadeus: AmadeusClient, api: Any) -> None:
    api.post("/v1/shopping/flight-offers/pricing").respond(
        400, json=error_body(400, 4926, "INVALID DATA RECEIVED", "No fare applicable")
    )
    cached = SupplierOffer(amadeus.parse_offer(OFFER, {}, CabinClass.ECONOMY), OFFER)
    with pytest.raises(OfferExpired, match="4926"):
        await amadeus.price(cached, CRITERIA)


# --- booking: flight orders (the hold), the sandbox's issuance extension, DELETE -------------------

PAX = (
    Passenger(PassengerType.ADULT, Title.MR, Gender.MALE, "Budi", "Santoso", date(1990, 1, 15)),
    Passenger(
        PassengerType.INFANT,
        Title.MS,
        Gender.FEMALE,
        "Sari",
        "Santoso",
        date(2029, 6, 1),
        nationality="ID",
        passport_number="B1234567",
        passport_expiry=date(2035, 1, 1),
    ),
    Passenger(PassengerType.ADULT, Title.MRS, Gender.FEMALE, "Dewi", "Lestari", date(1992, 3, 3)),
)
CONTACT = Contact("budi@example.co.id", "+6281234567890")


def flight_order(**overrides: Any) -> dict[str, Any]:
    order = {
        "type": "flight-order",
        "id": "eJzTd9f3MDJ3tQQACwACOw==",
        "queuingOfficeId": "JKTTQ08AA",
        "associatedRecords": [
            {
                "reference": "KXQ7ZP",
                "creationDate": "2030-04-01T03:00:00.000",
                "originSystemCode": "GDS",
                "flightOfferId": "1",
            }
        ],
        "flightOffers": [OFFER],
        "travelers": [],
        "ticketingAgreement": {"option": "DELAY_TO_CANCEL", "dateTime": "2030-04-01T03:20:00"},
        **overrides,
    }
    return {"data": order}


def priced_offer(amadeus: AmadeusClient) -> SupplierOffer:
    return SupplierOffer(amadeus.parse_offer(OFFER, {}, CabinClass.ECONOMY), OFFER)


def order_of(held: SupplierHold) -> SupplierOrder:
    return SupplierOrder("amadeus", held.order_id, held.total_price, held.passengers)


async def test_a_hold_books_the_priced_offer_with_travelers(amadeus: AmadeusClient, api: Any) -> None:
    route = api.post("/v1/booking/flight-orders").respond(201, json=flight_order())
    held = await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)
    sent = json.loads(route.calls.last.request.content)["data"]
    assert sent["type"] == "flight-order"
    assert sent["flightOffers"] == [OFFER]
    # adults take the ADULT travelerIds in order, the infant the HELD_INFANT one
    assert [t["id"] for t in sent["travelers"]] == ["1", "3", "2"]
    assert sent["travelers"][0] == {
        "id": "1",
        "dateOfBirth": "1990-01-15",
        "name": {"firstName": "BUDI", "lastName": "SANTOSO"},
        "gender": "MALE",
        "contact": {
            "emailAddress": "budi@example.co.id",
            "phones": [{"deviceType": "MOBILE", "countryCallingCode": "62", "number": "81234567890"}],
        },
    }
    assert sent["travelers"][1]["documents"] == [
        {"documentType": "PASSPORT", "number": "B1234567", "holder": True, "expiryDate": "2035-01-01",
         "nationality": "ID", "issuanceCountry": "ID"}
    ]  # fmt: skip
    assert (held.order_id, held.reference, held.total_price) == (
        "eJzTd9f3MDJ3tQQACwACOw==",
        "KXQ7ZP",
        Decimal("3300000.00"),
    )
    assert held.hold_expires_at == datetime(2030, 4, 1, 3, 20, tzinfo=UTC)
    assert [p.supplier_passenger_id for p in held.passengers] == ["1", "3", "2"]


async def test_without_a_ticketing_deadline_the_last_ticketing_date_bounds_the_hold(
    amadeus: AmadeusClient, api: Any
) -> None:
    api.post("/v1/booking/flight-orders").respond(201, json=flight_order(ticketingAgreement={}))
    held = await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)
    assert held.hold_expires_at == datetime(2030, 4, 20, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "title", "error"),
    [
        (34651, "SEGMENT SELL FAILURE", HoldRefused),
        (37200, "PRICE DISCREPANCY", PriceMovedAtHold),
        (32171, "MANDATORY DATA MISSING", SupplierRejected),
    ],
)
async def test_order_refusals_become_domain_errors(
    amadeus: AmadeusClient, api: Any, code: int, title: str, error: type[Exception]
) -> None:
    api.post("/v1/booking/flight-orders").respond(
        400, json=error_body(400, code, title, "Could not sell segment 1")
    )
    with pytest.raises(error):
        await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)


async def test_order_outages_and_garbage_are_supplier_unavailable(amadeus: AmadeusClient, api: Any) -> None:
    route = api.post("/v1/booking/flight-orders")
    route.respond(500, json=error_body(500, 141, "SYSTEM ERROR HAS OCCURRED", "An internal error occurred"))
    with pytest.raises(SupplierUnavailable):
        await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)
    route.respond(201, json={"data": {"id": "x"}})
    with pytest.raises(SupplierUnavailable, match="malformed"):
        await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)
    route.mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(SupplierTimeout):
        await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)


async def test_a_party_that_does_not_fit_the_offer_is_not_sent(amadeus: AmadeusClient, api: Any) -> None:
    route = api.post("/v1/booking/flight-orders").respond(201, json=flight_order())
    with pytest.raises(SupplierRejected):
        await amadeus.hold(priced_offer(amadeus), PAX[:1], CONTACT)
    assert not route.called


async def test_issuance_returns_tickets_per_traveler(amadeus: AmadeusClient, api: Any) -> None:
    api.post("/v1/booking/flight-orders").respond(201, json=flight_order())
    held = await amadeus.hold(priced_offer(amadeus), PAX, CONTACT)
    tickets = [
        {"documentType": "ETICKET", "documentNumber": f"126-123456789{i}", "documentStatus": "ISSUED",
         "travelerId": tid, "segmentIds": ["1"]}
        for i, tid in enumerate(["1", "2", "3"])
    ]  # fmt: skip
    route = api.post("/v1/booking/flight-orders/eJzTd9f3MDJ3tQQACwACOw%3D%3D/issuance").respond(
        200, json=flight_order(tickets=tickets, ticketingAgreement={"option": "CONFIRM"})
    )
    issued = await amadeus.issue(order_of(held))
    assert route.called
    assert [(t.passenger, t.ticket_number) for t in issued] == [
        ("Budi Santoso", "126-1234567890"),
        ("Dewi Lestari", "126-1234567891"),
        ("Sari Santoso", "126-1234567892"),
    ]


@pytest.mark.parametrize(
    ("status", "code", "title", "error"),
    [
        (400, 38034, "ORDER EXPIRED", HoldExpired),
        (400, 38035, "ORDER CANCELLED", BookingCancelled),
        (404, 1797, "NOT FOUND", HoldExpired),
        (400, 4926, "INVALID DATA RECEIVED", SupplierRejected),
    ],
)
async def test_issuance_refusals_become_domain_errors(
    amadeus: AmadeusClient, api: Any, status: int, code: int, title: str, error: type[Exception]
) -> None:
    api.post(url__regex=r"/v1/booking/flight-orders/.+/issuance").respond(
        status, json=error_body(status, code, title, "no")
    )
    with pytest.raises(error):
        await amadeus.issue(SupplierOrder("amadeus", "ord1", Decimal("1"), PAX))


async def test_cancel_deletes_the_order_and_a_missing_order_is_already_released(
    amadeus: AmadeusClient, api: Any
) -> None:
    route = api.delete("/v1/booking/flight-orders/ord1").respond(204)
    # A hold is released, a ticketed order voided: the same DELETE, and Amadeus names no refund.
    assert await amadeus.cancel(SupplierOrder("amadeus", "ord1", Decimal("1"), PAX)) is None
    assert route.calls.last.request.headers["authorization"] == "Bearer tok-1"
    assert route.calls.last.request.content == b""
    route.respond(404, json=error_body(404, 1797, "NOT FOUND", "Booking not found"))
    assert await amadeus.cancel(SupplierOrder("amadeus", "ord1", Decimal("1"), PAX)) is None
    route.respond(400, json=error_body(400, 4926, "INVALID DATA RECEIVED", "cannot cancel"))
    with pytest.raises(SupplierRejected):
        await amadeus.cancel(SupplierOrder("amadeus", "ord1", Decimal("1"), PAX))
    route.respond(500, json=error_body(500, 141, "SYSTEM ERROR HAS OCCURRED", "boom"))
    with pytest.raises(SupplierUnavailable):
        await amadeus.cancel(SupplierOrder("amadeus", "ord1", Decimal("1"), PAX))
