"""DuffelClient against respx, with payloads shaped like Duffel API v2's documented ones."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from adapters.airports import AirportsDataDirectory
from adapters.duffel import DuffelClient
from domain.errors import OfferExpired, SupplierRejected, SupplierUnavailable
from domain.models import CabinClass, PassengerType, SearchCriteria, SupplierOffer
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
