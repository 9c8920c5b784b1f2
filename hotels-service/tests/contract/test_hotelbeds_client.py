"""The Hotelbeds adapter against APItude's payload shapes (respx): signing, availability,
checkrates, bookings, cancellation and every way the supplier fails."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from adapters.hotelbeds import HotelbedsClient
from domain.bookings import Guest
from domain.errors import (
    HotelNotFound,
    OfferExpired,
    PriceChanged,
    SoldOut,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import Board, Occupancy, SearchCriteria, Stay
from domain.ports import SupplierBookingStatus
from shared.booking_lifecycle import Contact

BASE = "https://api.test.hotelbeds.com"
STAMP = 1_796_000_000
AUDIT = {
    "processTime": "23",
    "timestamp": "2026-12-04 03:00:00.123",
    "serverId": "ip-10-0-1-1",
    "environment": "[int]",
}
RATE_KEY = "20261220|20261222|W|612002|DBL.ST|BB|NOR|1~2~1|7|N@3450000.00"
CRITERIA = SearchCriteria("DPS-4", Stay(date(2026, 12, 20), date(2026, 12, 22)), Occupancy(1, 2, (7,)))


def rate(**changes: Any) -> dict[str, Any]:
    return {
        "rateKey": RATE_KEY,
        "rateClass": "NOR",
        "rateType": "BOOKABLE",
        "net": "3450000.00",
        "allotment": 4,
        "paymentType": "AT_WEB",
        "packaging": False,
        "boardCode": "BB",
        "boardName": "BED AND BREAKFAST",
        "cancellationPolicies": [
            {"amount": "3450000.00", "from": "2026-12-19T23:59:00+08:00"},
            {"amount": "1700000.00", "from": "2026-12-16T23:59:00+08:00"},
        ],
        "taxes": {
            "taxes": [{"included": True, "percent": "21.00", "amount": "598760.33", "currency": "IDR"}],
            "allIncluded": True,
        },
        "rooms": 1,
        "adults": 2,
        "children": 1,
        "childrenAges": "7",
        "dailyRates": [{"offset": 1, "dailyNet": "1700000.00"}, {"offset": 2, "dailyNet": "1750000.00"}],
        **changes,
    }


HOTEL = {
    "code": 612002,
    "name": "Alaya Ubud Sawah",
    "categoryCode": "4EST",
    "categoryName": "4 STARS",
    "destinationCode": "DPS",
    "destinationName": "Bali",
    "zoneCode": 4,
    "zoneName": "Ubud",
    "latitude": "-8.5148",
    "longitude": "115.2646",
    "minRate": "3100000.00",
    "maxRate": "3450000.00",
    "currency": "IDR",
}


def booking(status: str = "CONFIRMED", **hotel: Any) -> dict[str, Any]:
    return {
        "auditData": AUDIT,
        "booking": {
            "reference": "102-4391877",
            "clientReference": "TQ1",
            "creationDate": "2026-12-04",
            "status": status,
            "holder": {"name": "SITI", "surname": "RAHAYU"},
            "hotel": {
                **HOTEL,
                "checkIn": "2026-12-20",
                "checkOut": "2026-12-22",
                "rooms": [],
                "totalNet": "3450000.00",
                "currency": "IDR",
                **hotel,
            },
            "totalNet": 3450000.0,
            "pendingAmount": 3450000.0,
            "currency": "IDR",
        },
    }


@pytest.fixture
async def client() -> AsyncIterator[HotelbedsClient]:
    async with httpx.AsyncClient(base_url=BASE, timeout=2) as http:
        yield HotelbedsClient(http, api_key="key-1", secret="secret-1", seconds=lambda: STAMP + 0.7)


@respx.mock
async def test_every_call_is_signed_with_key_secret_and_unix_seconds(client: HotelbedsClient) -> None:
    route = respx.post(f"{BASE}/hotel-api/1.0/hotels").respond(
        json={"auditData": AUDIT, "hotels": {"total": 0}}
    )
    result = await client.availability(CRITERIA)
    assert result.hotels == ()
    sent = route.calls.last.request
    assert sent.headers["Api-key"] == "key-1"
    assert sent.headers["X-Signature"] == hashlib.sha256(f"key-1secret-1{STAMP}".encode()).hexdigest()
    body = json.loads(sent.content)
    assert body["destination"] == {"code": "DPS", "zone": 4}
    assert body["stay"] == {"checkIn": "2026-12-20", "checkOut": "2026-12-22"}
    assert body["occupancies"] == [
        {"rooms": 1, "adults": 2, "children": 1, "paxes": [{"type": "CH", "age": 7}]}
    ]


@respx.mock
async def test_availability_becomes_hotels_with_offers(client: HotelbedsClient) -> None:
    nrf = rate(
        rateKey=RATE_KEY.replace("NOR", "NRF"),
        rateClass="NRF",
        net="3100000.00",
        cancellationPolicies=[{"amount": "3100000.00", "from": "2026-12-04T11:00:00+08:00"}],
    )
    payload = {
        "auditData": AUDIT,
        "hotels": {
            "hotels": [
                {**HOTEL, "rooms": [{"code": "DBL.ST", "name": "DOUBLE STANDARD", "rates": [rate(), nrf]}]}
            ],
            "checkIn": "2026-12-20",
            "checkOut": "2026-12-22",
            "total": 1,
        },
    }
    respx.post(f"{BASE}/hotel-api/1.0/hotels").respond(json=payload)
    [found] = (await client.availability(CRITERIA)).hotels
    assert found.hotel.name == "Alaya Ubud Sawah"
    assert found.hotel.stars == 4
    assert found.hotel.utc_offset == timedelta(hours=8)
    refundable, non_refundable = found.offers
    assert refundable.board is Board.BED_AND_BREAKFAST
    assert refundable.room_name == "Double Standard"
    assert refundable.total_price == Decimal("3450000.00")
    assert [p.penalty for p in refundable.policies] == [Decimal("1700000.00"), Decimal("3450000.00")]
    assert [n.day for n in refundable.nightly_prices] == [date(2026, 12, 20), date(2026, 12, 21)]
    assert refundable.refundable is True
    assert non_refundable.refundable is False
    assert found.min_price == Decimal("3100000.00")


@respx.mock
async def test_checkrates_answers_the_rate_now(client: HotelbedsClient) -> None:
    moved = rate(net="3795000.00", rateKey=RATE_KEY.replace("3450000", "3795000"))
    respx.post(f"{BASE}/hotel-api/1.0/checkrates").respond(
        json={
            "auditData": AUDIT,
            "hotel": {
                **HOTEL,
                "rooms": [{"code": "DBL.ST", "rates": [moved]}],
                "totalNet": "3795000.00",
                "currency": "IDR",
            },
        }
    )
    [found] = await _offers(client)
    checked = await client.check_rate(found)
    assert checked.total_price == Decimal("3795000.00")
    assert checked.rate_key != found.rate_key


async def _offers(client: HotelbedsClient) -> list[Any]:
    respx.post(f"{BASE}/hotel-api/1.0/hotels").respond(
        json={
            "auditData": AUDIT,
            "hotels": {
                "hotels": [
                    {**HOTEL, "rooms": [{"code": "DBL.ST", "name": "DOUBLE STANDARD", "rates": [rate()]}]}
                ],
                "total": 1,
            },
        }
    )
    return list((await client.availability(CRITERIA)).hotels[0].offers)


@respx.mock
async def test_checkrates_refusals_are_sold_out_or_offer_expired(client: HotelbedsClient) -> None:
    [found] = await _offers(client)
    route = respx.post(f"{BASE}/hotel-api/1.0/checkrates")
    route.respond(
        400,
        json={"auditData": AUDIT, "error": {"code": "PRODUCT_ERROR", "message": "Insufficient allotment"}},
    )
    with pytest.raises(SoldOut):
        await client.check_rate(found)
    route.respond(
        400, json={"auditData": AUDIT, "error": {"code": "INVALID_DATA", "message": "Invalid rateKey"}}
    )
    with pytest.raises(OfferExpired):
        await client.check_rate(found)


@respx.mock
async def test_a_booking_is_confirmed_or_pending(client: HotelbedsClient) -> None:
    route = respx.post(f"{BASE}/hotel-api/1.0/bookings").respond(json=booking())
    guests = (Guest("Siti", "Rahayu"), Guest("Budi", "Santoso"))
    made = await client.book(RATE_KEY, guests[0], guests, Contact("s@x.id", "+6281234567890"), "TQ1", "Late")
    assert made.reference == "102-4391877"
    assert made.status is SupplierBookingStatus.CONFIRMED
    assert made.total_price == Decimal("3450000.00")
    sent = json.loads(route.calls.last.request.content)
    assert sent["holder"] == {"name": "Siti", "surname": "Rahayu"}
    assert sent["rooms"][0]["rateKey"] == RATE_KEY
    assert [p["name"] for p in sent["rooms"][0]["paxes"]] == ["Siti", "Budi"]
    assert sent["clientReference"] == "TQ1"
    assert sent["remark"] == "Late"
    respx.get(f"{BASE}/hotel-api/1.0/bookings/102-4391877").respond(json=booking("PENDING"))
    assert (await client.read("102-4391877")).status is SupplierBookingStatus.PENDING


@pytest.mark.parametrize(
    ("message", "raised"),
    [("Insufficient allotment", SoldOut), ("Price has changed. Please, check the rate again.", PriceChanged)],
)
@respx.mock
async def test_booking_product_errors_have_business_names(
    client: HotelbedsClient, message: str, raised: type[Exception]
) -> None:
    respx.post(f"{BASE}/hotel-api/1.0/bookings").respond(
        400, json={"auditData": AUDIT, "error": {"code": "PRODUCT_ERROR", "message": message}}
    )
    guest = Guest("Siti", "Rahayu")
    with pytest.raises(raised):
        await client.book(RATE_KEY, guest, (guest,), Contact("s@x.id", "+6281234567890"), "TQ1", None)


@respx.mock
async def test_cancellation_simulates_then_cancels_reading_the_fee(client: HotelbedsClient) -> None:
    route = respx.delete(f"{BASE}/hotel-api/1.0/bookings/102-4391877")
    route.respond(json=booking(cancellationAmount="1700000.00"))
    assert await client.cancellation_fee("102-4391877") == Decimal("1700000.00")
    assert route.calls.last.request.url.params["cancellationFlag"] == "SIMULATION"
    route.respond(json=booking("CANCELLED", cancellationAmount="0.00"))
    assert await client.cancel("102-4391877") == Decimal("0.00")
    assert route.calls.last.request.url.params["cancellationFlag"] == "CANCELLATION"


@respx.mock
async def test_the_supplier_failing_is_unavailable_or_timeout(client: HotelbedsClient) -> None:
    route = respx.post(f"{BASE}/hotel-api/1.0/hotels")
    failures: list[tuple[Any, type[Exception]]] = [
        (httpx.Response(401, text="<h1>Not Authorized</h1>"), SupplierUnavailable),
        (httpx.Response(403, text="<h1>Developer Inactive</h1>"), SupplierUnavailable),
        (
            httpx.Response(500, json={"auditData": AUDIT, "error": {"code": "SYSTEM_ERROR", "message": "x"}}),
            SupplierUnavailable,
        ),
        (
            httpx.Response(200, content=b'{"auditData": {"processTime": "12"}, "hotels": {"hotels": [<<<'),
            SupplierUnavailable,
        ),
        (
            httpx.Response(200, json={"auditData": AUDIT, "hotels": {"hotels": [{"code": 1}]}}),
            SupplierUnavailable,
        ),
        (httpx.ConnectError("refused"), SupplierUnavailable),
        (httpx.ReadTimeout("slow"), SupplierTimeout),
    ]
    for answer, raised in failures:
        if isinstance(answer, Exception):
            route.side_effect = answer
        else:
            route.side_effect = None
            route.return_value = answer
        with pytest.raises(raised):
            await client.availability(CRITERIA)


@respx.mock
async def test_other_refusals_are_rejected(client: HotelbedsClient) -> None:
    respx.post(f"{BASE}/hotel-api/1.0/hotels").respond(
        400, json={"auditData": AUDIT, "error": {"code": "INVALID_DATA", "message": "The stay is too long"}}
    )
    with pytest.raises(SupplierRejected):
        await client.availability(CRITERIA)


@respx.mock
async def test_the_booking_list_finds_a_live_booking_by_client_reference(client: HotelbedsClient) -> None:
    route = respx.get(f"{BASE}/hotel-api/1.0/bookings")
    listed = {
        "from": 1,
        "to": 2,
        "total": 2,
        "bookings": [booking("CANCELLED")["booking"], {**booking()["booking"], "reference": "102-5550001"}],
    }
    route.respond(json={"auditData": AUDIT, "bookings": listed})
    found = await client.find("TQ1", date(2026, 12, 3), date(2026, 12, 5))
    assert found is not None
    assert found.reference == "102-5550001"
    params = route.calls.last.request.url.params
    assert params["clientReference"] == "TQ1"
    assert (params["start"], params["end"], params["filterType"]) == ("2026-12-03", "2026-12-05", "CREATION")
    route.respond(json={"auditData": AUDIT, "bookings": {"from": 1, "to": 0, "total": 0}})
    assert await client.find("TQ2", date(2026, 12, 3), date(2026, 12, 5)) is None


@respx.mock(assert_all_mocked=True)
async def test_a_hotel_id_that_is_not_ascii_digits_is_not_found_without_asking(
    client: HotelbedsClient,
) -> None:
    # "²" and "٣" pass str.isdigit(); the supplier would answer them with an error, not a 404.
    for hotel_id in ("\xb2", "61200\u0663"):
        with pytest.raises(HotelNotFound):
            await client.hotel_details(hotel_id)
