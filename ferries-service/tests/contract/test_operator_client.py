"""The operator adapter against respx, with the operator's payload shapes (docs/providers.md):
token handling, parsing, and every error the operator gives mapped to the domain's errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from adapters.operator import FerryOperatorClient
from domain.bookings import BookingDetails, OperatorQuote, Passenger, Vehicle
from domain.errors import (
    HoldExpired,
    NotCancellable,
    OfferExpired,
    SailingCancelled,
    SoldOut,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import Party, PassengerType, SearchCriteria
from shared.booking_lifecycle import Contact
from shared.http import make_client

BASE = "https://ferry.example.test/ferry"
TOKEN = {"access_token": "tok1", "token_type": "Bearer", "expires_in": 3600, "scope": "booking"}
SAILING: dict[str, Any] = {
    "id": "KTPGLM-20261210-0115-REG",
    "origin": "KTP",
    "destination": "GLM",
    "service_class": "regular",
    "vessel": "KMP Gilimanuk I",
    "operator": "PT ASDP Indonesia Ferry (Persero)",
    "departure_time": "2026-12-10T01:15:00+07:00",
    "arrival_time": "2026-12-10T03:00:00+08:00",
    "duration_minutes": 45,
    "status": "SCHEDULED",
    "bookable": True,
    "available": {"seats": 212, "lane_meters": "126.0"},
    "fares": {
        "breakdown": [
            {
                "category": "vehicle",
                "code": "II",
                "description": "motorbike under 500 cc",
                "quantity": 1,
                "unit_price": "33100.00",
                "amount": "33100.00",
            },
            {
                "category": "passenger",
                "code": "adult",
                "quantity": 2,
                "included_in_vehicle": 1,
                "unit_price": "11100.00",
                "amount": "11100.00",
            },
        ],
        "total": "44200.00",
        "currency": "IDR",
    },
}
BOOKING: dict[str, Any] = {
    "id": "FBa8Kq2LmZ0pXy7Rt1",
    "booking_code": "Q7K2M9XA",
    "status": "ISSUED",
    "sailing": {
        k: SAILING[k]
        for k in (
            "id",
            "origin",
            "destination",
            "service_class",
            "vessel",
            "operator",
            "departure_time",
            "arrival_time",
            "duration_minutes",
            "status",
        )
    },
    "passengers": [{"type": "adult", "full_name": "Made Wirawan", "id_number": None, "gender": "m"}],
    "vehicle": {"class": "II", "plate_number": "DK 4821 AB"},
    "contact": {"email": "made@example.id", "phone": "+6281338123456"},
    "breakdown": SAILING["fares"]["breakdown"],
    "total": "44200.00",
    "currency": "IDR",
    "hold_expires_at": "2026-12-04T15:02:11Z",
    "created_at": "2026-12-04T14:32:11Z",
    "tickets": [
        {
            "ticket_number": "TKT4820193745",
            "boarding_code": "7QK2MZ81XA",
            "category": "passenger",
            "passenger_index": 0,
            "name": "Made Wirawan",
            "passenger_type": "adult",
        },
        {
            "ticket_number": "TKK1029384756",
            "boarding_code": "P0LM3N5BVC",
            "category": "vehicle",
            "plate_number": "DK 4821 AB",
            "vehicle_class": "II",
        },
    ],
    "refund_amount": None,
    "cancelled_at": None,
}
CRITERIA = SearchCriteria("KTP", "GLM", date(2026, 12, 10), Party(2), "II", None)


def error(status: int, code: str, detail: str = "") -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "title": code.title(), "detail": detail}]})


@pytest.fixture
async def client() -> AsyncIterator[FerryOperatorClient]:
    http = make_client(BASE, timeout=2)
    yield FerryOperatorClient(http, client_id="tiketq", client_secret="s3cret")
    await http.aclose()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.post("/v1/auth/token").respond(json=TOKEN)
        yield router


async def test_the_token_is_asked_once_with_client_credentials(
    client: FerryOperatorClient, api: respx.MockRouter
) -> None:
    search = api.get("/v1/sailings").respond(json={"data": [SAILING], "meta": {"count": 1}})
    await client.sailings(CRITERIA)
    await client.sailings(CRITERIA)
    token_calls = api.routes[0].calls
    assert len(token_calls) == 1
    form = token_calls[0].request.content.decode()
    assert "grant_type=client_credentials" in form
    assert "client_id=tiketq" in form
    assert search.calls[0].request.headers["Authorization"] == "Bearer tok1"
    assert search.calls[0].request.url.params["vehicle_class"] == "II"
    assert search.calls[0].request.url.params["adult"] == "2"


async def test_sailings_are_parsed_with_local_times_and_fare_lines(
    client: FerryOperatorClient, api: respx.MockRouter
) -> None:
    api.get("/v1/sailings").respond(json={"data": [SAILING], "meta": {"count": 1}})
    [sailing] = await client.sailings(CRITERIA)
    assert sailing.arrival_at.isoformat() == "2026-12-10T03:00:00+08:00"
    assert (sailing.arrival_at - sailing.departure_at).total_seconds() == 45 * 60
    assert sailing.total == Decimal("44200.00")
    assert sailing.lane_meters_left == Decimal("126.0")
    assert [(f.code, f.included_in_vehicle, f.paying) for f in sailing.fares] == [
        ("II", 0, 1),
        ("adult", 1, 1),
    ]


async def test_a_rejected_token_is_renewed_once(client: FerryOperatorClient, api: respx.MockRouter) -> None:
    api.get("/v1/ports").mock(
        side_effect=[
            error(401, "TOKEN_EXPIRED"),
            httpx.Response(
                200,
                json={
                    "data": [
                        {
                            "code": "MRK",
                            "name": "Pelabuhan Merak",
                            "city": "Cilegon",
                            "province": "Banten",
                            "timezone": "Asia/Jakarta",
                        }
                    ]
                },
            ),
        ]
    )
    [port] = await client.ports()
    assert port.timezone == "Asia/Jakarta"
    assert len(api.routes[0].calls) == 2


async def test_hold_sends_the_manifest_and_reads_the_booking(
    client: FerryOperatorClient, api: respx.MockRouter
) -> None:
    route = api.post("/v1/bookings").respond(201, json={"data": {**BOOKING, "status": "HELD", "tickets": []}})
    details = BookingDetails(
        (Passenger(PassengerType.ADULT, "Made", "Wirawan", None, "m"),),
        Vehicle("II", "DK 4821 AB"),
        Contact("made@example.id", "+6281338123456"),
    )
    held = await client.hold(OperatorQuote("FQ1", Decimal("44200.00"), ()), details)
    sent = json.loads(route.calls[0].request.content)
    assert sent == {
        "quote_id": "FQ1",
        "passengers": [{"type": "adult", "full_name": "Made Wirawan", "id_number": None, "gender": "m"}],
        "vehicle": {"class": "II", "plate_number": "DK 4821 AB"},
        "contact": {"email": "made@example.id", "phone": "+6281338123456"},
    }
    assert (held.booking_code, held.status, held.total) == ("Q7K2M9XA", "HELD", Decimal("44200.00"))
    assert held.hold_expires_at.utcoffset() is not None


async def test_issue_reads_tickets_with_boarding_codes(
    client: FerryOperatorClient, api: respx.MockRouter
) -> None:
    api.post(f"/v1/bookings/{BOOKING['id']}/issue").respond(json={"data": BOOKING})
    issued = await client.issue(BOOKING["id"])
    assert [(t.category, t.boarding_code, t.holder) for t in issued.tickets] == [
        ("passenger", "7QK2MZ81XA", "Made Wirawan"),
        ("vehicle", "P0LM3N5BVC", "DK 4821 AB"),
    ]


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (error(409, "CAPACITY_EXHAUSTED"), SoldOut),
        (error(409, "SAILING_CANCELLED"), SailingCancelled),
        (error(422, "SALES_CLOSED"), OfferExpired),
        (error(409, "BOOKING_EXPIRED"), HoldExpired),
        (error(409, "ALREADY_DEPARTED"), NotCancellable),
        (error(410, "QUOTE_EXPIRED"), SupplierRejected),
        (error(500, "INTERNAL_ERROR"), SupplierUnavailable),
        (error(429, "RATE_LIMITED"), SupplierUnavailable),
        (httpx.Response(200, content=b'{"data": [{"id": "MRKBKH-<<<garbage'), SupplierUnavailable),
        (httpx.Response(200, json={"data": {"id": "x"}}), SupplierUnavailable),
    ],
)
async def test_operator_errors_become_domain_errors(
    client: FerryOperatorClient, api: respx.MockRouter, response: httpx.Response, expected: type[Exception]
) -> None:
    api.post("/v1/bookings/FB1/cancel").mock(return_value=response)
    with pytest.raises(expected):
        await client.cancel("FB1")


async def test_timeouts_and_transport_failures(client: FerryOperatorClient, api: respx.MockRouter) -> None:
    api.get("/v1/routes").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(SupplierTimeout):
        await client.routes()
    api.get("/v1/ports").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(SupplierUnavailable):
        await client.ports()
