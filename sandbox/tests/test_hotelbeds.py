"""The Hotelbeds-shaped supplier: signed calls, availability, checkrates, bookings and cancellation
with the policies, allotment, errors and knobs as APItude shapes them."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import travel_day

KEY, SECRET = "sandbox-hotelbeds-key", "sandbox-hotelbeds-secret"
BASE = "/hotelbeds/hotel-api/1.0"


def signed(key: str = KEY, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    seconds = int(time.time() if at is None else at)
    sig = hashlib.sha256(f"{key}{secret}{seconds}".encode()).hexdigest()
    return {"Api-key": key, "X-Signature": sig, "Accept": "application/json"}


def availability_body(
    days_ahead: int = 40,
    nights: int = 2,
    adults: int = 2,
    ages: tuple[int, ...] = (7,),
    rooms: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "stay": {"checkIn": travel_day(days_ahead), "checkOut": travel_day(days_ahead + nights)},
        "occupancies": [
            {
                "rooms": rooms,
                "adults": adults,
                "children": len(ages),
                "paxes": [{"type": "CH", "age": a} for a in ages],
            }
        ],
        "destination": {"code": "DPS", "zone": 4},
        **extra,
    }


async def search(client: httpx.AsyncClient, **kwargs: Any) -> httpx.Response:
    return await client.post(f"{BASE}/hotels", json=availability_body(**kwargs), headers=signed())


def rates(body: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(h, r) for h in body["hotels"]["hotels"] for room in h["rooms"] for r in room["rates"]]


async def book(client: httpx.AsyncClient, rate_key: str, ref: str = "TQ-1") -> httpx.Response:
    body = {
        "holder": {"name": "Siti", "surname": "Rahayu"},
        "rooms": [
            {
                "rateKey": rate_key,
                "paxes": [
                    {"roomId": 1, "type": "AD", "name": "Siti", "surname": "Rahayu"},
                    {"roomId": 1, "type": "AD", "name": "Budi", "surname": "Santoso"},
                ],
            }
        ],
        "clientReference": ref,
        "remark": "Late arrival",
    }
    return await client.post(f"{BASE}/bookings", json=body, headers=signed())


async def knobs(client: httpx.AsyncClient, **changes: Any) -> None:
    r = await client.put("/sandbox/knobs/hotelbeds", json=changes)
    assert r.status_code == 200, r.text


async def test_calls_need_the_api_key_and_a_fresh_signature(client: httpx.AsyncClient) -> None:
    body = availability_body()
    missing = await client.post(f"{BASE}/hotels", json=body)
    wrong_key = await client.post(f"{BASE}/hotels", json=body, headers=signed(key="someone-else"))
    wrong_secret = await client.post(f"{BASE}/hotels", json=body, headers=signed(secret="nope"))
    stale = await client.post(f"{BASE}/hotels", json=body, headers=signed(at=time.time() - 3600))
    assert missing.status_code == wrong_secret.status_code == stale.status_code == 401
    assert "Not Authorized" in stale.text
    assert stale.headers["X-Mashery-Error-Code"] == "ERR_401_INVALID_SIGNATURE"
    assert wrong_key.status_code == 403
    assert "Developer Inactive" in wrong_key.text
    ok = await client.post(f"{BASE}/hotels", json=body, headers=signed())
    assert ok.status_code == 200


async def test_availability_in_ubud_lists_hotels_rooms_and_rates_shaped_like_apitude(
    client: httpx.AsyncClient,
) -> None:
    r = await search(client)
    body = r.json()
    assert r.status_code == 200
    assert body["auditData"]["serverId"]
    hotels = body["hotels"]["hotels"]
    assert body["hotels"]["total"] == len(hotels) >= 3
    assert {h["zoneName"] for h in hotels} == {"Ubud"}
    first = hotels[0]
    assert first["destinationCode"] == "DPS"
    assert first["categoryCode"].endswith("EST")
    assert first["currency"] == "IDR"
    assert -9 < float(first["latitude"]) < -8
    found = rates(body)
    assert {r["boardCode"] for _, r in found} == {"RO", "BB", "HB"}
    assert {r["rateClass"] for _, r in found} == {"NOR", "NRF"}
    assert {r["rateType"] for _, r in found} == {"BOOKABLE", "RECHECK"}
    for _, rate in found:
        assert rate["rateKey"]
        assert rate["allotment"] >= 1
        assert rate["children"] == 1
        assert rate["childrenAges"] == "7"
        assert 400_000 <= Decimal(rate["net"]) <= 40_000_000
        assert rate["taxes"]["allIncluded"] is True
        assert [d["offset"] for d in rate["dailyRates"]] == [1, 2]
        assert sum(Decimal(d["dailyNet"]) for d in rate["dailyRates"]) == Decimal(rate["net"])
        assert rate["cancellationPolicies"]
        for policy in rate["cancellationPolicies"]:
            assert datetime.fromisoformat(policy["from"]).utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


async def test_refundable_rates_are_free_until_n_days_then_one_night_then_everything(
    client: httpx.AsyncClient,
) -> None:
    r = await search(client, nights=3)
    nor = next(r for h, r in rates(r.json()) if h["code"] == 612002 and r["rateClass"] == "NOR")
    nrf = next(r for h, r in rates(r.json()) if h["code"] == 612002 and r["rateClass"] == "NRF")
    first, full = nor["cancellationPolicies"]
    assert Decimal(first["amount"]) < Decimal(full["amount"]) == Decimal(nor["net"])
    assert Decimal(first["amount"]) > Decimal(nor["net"]) / 4  # about one night of three
    assert datetime.fromisoformat(first["from"]) < datetime.fromisoformat(full["from"])
    assert first["from"].endswith("T23:59:00+08:00")
    [only] = nrf["cancellationPolicies"]
    assert Decimal(only["amount"]) == Decimal(nrf["net"]) < Decimal(nor["net"])


async def test_prices_are_deterministic_and_higher_on_weekends_and_in_high_season(
    client: httpx.AsyncClient,
) -> None:
    again = await search(client)
    assert [r["net"] for _, r in rates((await search(client)).json())] == [
        r["net"] for _, r in rates(again.json())
    ]
    body = availability_body(ages=())
    year = int(travel_day(0)[:4]) + 1
    body["stay"] = {"checkIn": f"{year}-08-11", "checkOut": f"{year}-08-12"}
    august = await client.post(f"{BASE}/hotels", json=body, headers=signed())
    body["stay"] = {"checkIn": f"{year}-10-13", "checkOut": f"{year}-10-14"}
    october = await client.post(f"{BASE}/hotels", json=body, headers=signed())

    def cheapest(resp: httpx.Response) -> Decimal:
        return min(Decimal(r["net"]) for h, r in rates(resp.json()) if h["code"] == 612003)

    assert cheapest(august) > cheapest(october) * Decimal("1.15")


async def test_bad_stays_and_occupancies_are_invalid_data(client: httpx.AsyncClient) -> None:
    past = await client.post(
        f"{BASE}/hotels",
        json={**availability_body(), "stay": {"checkIn": "2020-01-01", "checkOut": "2020-01-03"}},
        headers=signed(),
    )
    too_long = await search(client, nights=31)
    no_age = availability_body()
    no_age["occupancies"][0]["paxes"] = []
    missing_age = await client.post(f"{BASE}/hotels", json=no_age, headers=signed())
    for r in (past, too_long, missing_age):
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "INVALID_DATA"
        assert r.json()["auditData"]
    garbage = await client.post(f"{BASE}/hotels", content=b"{not json", headers=signed())
    assert garbage.status_code == 400
    assert garbage.json()["error"]["code"] == "INVALID_REQUEST"


async def test_rooms_too_small_for_the_party_are_not_offered(client: httpx.AsyncClient) -> None:
    big = await search(client, adults=3, ages=(4, 9))
    rooms = {room["code"] for h in big.json()["hotels"]["hotels"] for room in h["rooms"]}
    assert rooms <= {"FAM.ST"}


async def test_checkrates_confirms_the_rate_or_shows_a_changed_price(client: httpx.AsyncClient) -> None:
    _, rate = rates((await search(client)).json())[0]
    same = await client.post(
        f"{BASE}/checkrates", json={"rooms": [{"rateKey": rate["rateKey"]}]}, headers=signed()
    )
    checked = same.json()["hotel"]
    assert same.status_code == 200
    assert checked["totalNet"] == rate["net"]
    assert checked["rooms"][0]["rates"][0]["rateKey"] == rate["rateKey"]
    await knobs(client, price_change_pct=10)
    moved = await client.post(
        f"{BASE}/checkrates", json={"rooms": [{"rateKey": rate["rateKey"]}]}, headers=signed()
    )
    new_rate = moved.json()["hotel"]["rooms"][0]["rates"][0]
    assert Decimal(new_rate["net"]) > Decimal(rate["net"])
    assert new_rate["rateKey"] != rate["rateKey"]
    stale = await book(client, rate["rateKey"])
    assert stale.status_code == 400
    assert stale.json()["error"] == {
        "code": "PRODUCT_ERROR",
        "message": "Price has changed. Please, check the rate again before booking.",
    }
    assert (await book(client, new_rate["rateKey"])).status_code == 200


async def test_booking_confirms_reads_back_and_cancels_with_the_policy_fee(client: httpx.AsyncClient) -> None:
    _, rate = next(
        (h, r)
        for h, r in rates((await search(client)).json())
        if h["code"] == 612002 and r["rateClass"] == "NOR"
    )
    made = await book(client, rate["rateKey"], ref="TQ-ABC")
    booking = made.json()["booking"]
    assert made.status_code == 200
    assert booking["status"] == "CONFIRMED"
    assert booking["reference"].startswith("102-")
    assert len(booking["reference"]) == 11
    assert booking["clientReference"] == "TQ-ABC"
    assert booking["holder"] == {"name": "SITI", "surname": "RAHAYU"}
    assert booking["hotel"]["totalNet"] == rate["net"]
    assert booking["hotel"]["rooms"][0]["rates"][0]["cancellationPolicies"] == rate["cancellationPolicies"]
    ref = booking["reference"]
    read = await client.get(f"{BASE}/bookings/{ref}", headers=signed())
    assert read.json()["booking"]["status"] == "CONFIRMED"
    simulated = await client.delete(f"{BASE}/bookings/{ref}?cancellationFlag=SIMULATION", headers=signed())
    assert simulated.json()["booking"]["status"] == "CONFIRMED"
    assert simulated.json()["booking"]["hotel"]["cancellationAmount"] == "0.00"  # 40 days ahead: free
    cancelled = await client.delete(f"{BASE}/bookings/{ref}?cancellationFlag=CANCELLATION", headers=signed())
    assert cancelled.json()["booking"]["status"] == "CANCELLED"
    assert cancelled.json()["booking"]["cancellationReference"]
    again = await client.delete(f"{BASE}/bookings/{ref}?cancellationFlag=CANCELLATION", headers=signed())
    assert again.status_code == 400
    unknown = await client.get(f"{BASE}/bookings/102-0000000", headers=signed())
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "INVALID_DATA"


async def test_non_refundable_cancellation_costs_everything(client: httpx.AsyncClient) -> None:
    _, rate = next(
        (h, r)
        for h, r in rates((await search(client)).json())
        if h["code"] == 612003 and r["rateClass"] == "NRF"
    )
    ref = (await book(client, rate["rateKey"])).json()["booking"]["reference"]
    simulated = await client.delete(f"{BASE}/bookings/{ref}?cancellationFlag=SIMULATION", headers=signed())
    assert simulated.json()["booking"]["hotel"]["cancellationAmount"] == rate["net"]


async def test_allotment_runs_out_and_comes_back_on_cancellation(client: httpx.AsyncClient) -> None:
    _, rate = next(
        (h, r) for h, r in rates((await search(client, days_ahead=55)).json()) if h["code"] == 612003
    )
    refs = []
    for i in range(rate["allotment"]):
        made = await book(client, rate["rateKey"], ref=f"TQ-{i}")
        assert made.status_code == 200, made.text
        refs.append(made.json()["booking"]["reference"])
    sold_out = await book(client, rate["rateKey"], ref="TQ-LAST")
    assert sold_out.status_code == 400
    assert sold_out.json()["error"] == {"code": "PRODUCT_ERROR", "message": "Insufficient allotment"}
    await client.delete(f"{BASE}/bookings/{refs[0]}?cancellationFlag=CANCELLATION", headers=signed())
    assert (await book(client, rate["rateKey"], ref="TQ-LAST")).status_code == 200


async def test_sold_out_between_search_and_booking_knob(client: httpx.AsyncClient) -> None:
    _, rate = rates((await search(client)).json())[0]
    await knobs(client, hold_failure_rate=1.0)
    r = await book(client, rate["rateKey"])
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Insufficient allotment"


async def test_on_request_hotel_answers_pending_until_the_hotelier_confirms_or_refuses(
    client: httpx.AsyncClient,
) -> None:
    villas = [r for h, r in rates((await search(client)).json()) if h["code"] == 612004]
    assert villas
    assert all(r["rateType"] == "RECHECK" and "On request" in r["rateComments"] for r in villas)
    first = (await book(client, villas[0]["rateKey"], ref="TQ-V1")).json()["booking"]
    later = [r for h, r in rates((await search(client, days_ahead=70)).json()) if h["code"] == 612004]
    second = (await book(client, later[0]["rateKey"], ref="TQ-V2")).json()["booking"]
    assert first["status"] == second["status"] == "PENDING"
    assert (await client.post(f"/sandbox/hotelbeds/bookings/{first['reference']}/confirm")).status_code == 200
    assert (await client.post(f"/sandbox/hotelbeds/bookings/{second['reference']}/refuse")).status_code == 200
    read_first = await client.get(f"{BASE}/bookings/{first['reference']}", headers=signed())
    read_second = await client.get(f"{BASE}/bookings/{second['reference']}", headers=signed())
    assert read_first.json()["booking"]["status"] == "CONFIRMED"
    assert read_second.json()["booking"]["status"] == "CANCELLED"


@pytest.mark.parametrize("knob", ["error_rate", "malformed_rate"])
async def test_fault_knobs_answer_system_errors_or_garbage(client: httpx.AsyncClient, knob: str) -> None:
    await knobs(client, **{knob: 1.0})
    r = await search(client)
    if knob == "error_rate":
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "SYSTEM_ERROR"
    else:
        assert r.status_code == 200
        with pytest.raises(ValueError, match=r"\w"):
            r.json()
    await client.post("/sandbox/reset")
    assert (await search(client)).status_code == 200


async def test_content_api_lists_destinations_with_zones_and_hotel_details(client: httpx.AsyncClient) -> None:
    listed = await client.get("/hotelbeds/hotel-content-api/1.0/locations/destinations", headers=signed())
    destinations = {d["code"]: d for d in listed.json()["destinations"]}
    assert {"DPS", "JKT", "JOG", "BDO", "LOP", "LBJ", "SUB"} <= set(destinations)
    assert "Ubud" in {z["name"] for z in destinations["DPS"]["zones"]}
    details = await client.get("/hotelbeds/hotel-content-api/1.0/hotels/612002/details", headers=signed())
    hotel = details.json()["hotel"]
    assert hotel["name"]["content"] == "Alaya Ubud Sawah"
    assert hotel["address"]["content"].endswith("Ubud")
    assert {r["roomCode"] for r in hotel["rooms"]} == {"DBL.ST", "DBL.DX", "FAM.ST"}


async def test_the_booking_list_finds_a_booking_by_its_client_reference(client: httpx.AsyncClient) -> None:
    _, rate = rates((await search(client)).json())[0]
    made = (await book(client, rate["rateKey"], ref="TQLOST1")).json()["booking"]
    today = made["creationDate"]
    listed = await client.get(
        f"{BASE}/bookings",
        params={"start": today, "end": today, "filterType": "CREATION", "clientReference": "TQLOST1"},
        headers=signed(),
    )
    body = listed.json()["bookings"]
    assert listed.status_code == 200
    assert body["total"] == 1
    assert body["bookings"][0]["reference"] == made["reference"]
    other = await client.get(
        f"{BASE}/bookings",
        params={"start": today, "end": today, "clientReference": "TQOTHER"},
        headers=signed(),
    )
    assert other.json()["bookings"]["total"] == 0
