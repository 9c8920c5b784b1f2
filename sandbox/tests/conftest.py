"""Fixtures: the sandbox app in-process, Amadeus and Duffel credentials, and request helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from holds import utc_now
from offers import today_in_indonesia

from app import create_app
from config import KnobSettings, SandboxSettings, Settings
from shared.settings import RuntimeSettings
from testkit.asgi import running_app

DUFFEL = {"Authorization": "Bearer duffel_test_sandbox", "Duffel-Version": "v2"}
AMADEUS_FORM = {
    "grant_type": "client_credentials",
    "client_id": "sandbox-amadeus-client",
    "client_secret": "sandbox-amadeus-secret",
}


def make_settings(knobs: dict[str, Any] | None = None, **sandbox: Any) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_LEVEL="WARNING", LOG_JSON=False),
        sandbox=SandboxSettings(**sandbox),
        amadeus_knobs=KnobSettings(**(knobs or {})),
        duffel_knobs=KnobSettings(**(knobs or {})),
    )


def travel_day(days_ahead: int = 30) -> str:
    return (today_in_indonesia(utc_now()) + timedelta(days=days_ahead)).isoformat()


AppFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def sandbox_app() -> AppFactory:
    """Starts a sandbox with the given settings: `async with sandbox_app(hold_ttl_seconds=1) as c:`."""

    def start(
        knobs: dict[str, Any] | None = None, **sandbox: Any
    ) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return running_app(create_app(make_settings(knobs, **sandbox)))

    return start


@pytest.fixture
async def client(sandbox_app: AppFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_app() as c:
        yield c


async def amadeus_headers(client: httpx.AsyncClient) -> dict[str, str]:
    r = await client.post("/amadeus/v1/security/oauth2/token", data=AMADEUS_FORM)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
async def amadeus(client: httpx.AsyncClient) -> dict[str, str]:
    return await amadeus_headers(client)


async def amadeus_search(
    client: httpx.AsyncClient, headers: dict[str, str], day: str | None = None, **params: Any
) -> httpx.Response:
    query = {
        "originLocationCode": "CGK",
        "destinationLocationCode": "DPS",
        "departureDate": day or travel_day(),
        "adults": 1,
        **params,
    }
    return await client.get("/amadeus/v2/shopping/flight-offers", params=query, headers=headers)


def travelers(offer: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": tp["travelerId"],
            "dateOfBirth": "1990-05-17"
            if tp["travelerType"] == "ADULT"
            else date.today().replace(year=2019).isoformat(),
            "gender": "FEMALE",
            "name": {"firstName": "SITI", "lastName": f"RAHAYU{tp['travelerId']}"},
            "contact": {
                "emailAddress": "siti@example.id",
                "phones": [{"deviceType": "MOBILE", "countryCallingCode": "62", "number": "81234567890"}],
            },
        }
        for tp in offer["travelerPricings"]
    ]


async def amadeus_order(
    client: httpx.AsyncClient, headers: dict[str, str], offer: dict[str, Any]
) -> httpx.Response:
    body = {"data": {"type": "flight-order", "flightOffers": [offer], "travelers": travelers(offer)}}
    return await client.post("/amadeus/v1/booking/flight-orders", json=body, headers=headers)


async def duffel_search(client: httpx.AsyncClient, day: str | None = None, **data: Any) -> httpx.Response:
    body = {
        "slices": [{"origin": "CGK", "destination": "DPS", "departure_date": day or travel_day()}],
        "passengers": [{"type": "adult"}],
        "cabin_class": "economy",
        "max_connections": 1,
        **data,
    }
    return await client.post(
        "/duffel/air/offer_requests?return_offers=true", json={"data": body}, headers=DUFFEL
    )


def duffel_passengers(offer: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": p["id"],
            "given_name": "Budi",
            "family_name": "Santoso",
            "born_on": "1988-02-03",
            "gender": "m",
            "title": "mr",
            "email": "budi@example.id",
            "phone_number": "+6281234567890",
        }
        for p in offer["passengers"]
    ]


async def duffel_hold(client: httpx.AsyncClient, offer: dict[str, Any]) -> httpx.Response:
    body = {"type": "hold", "selected_offers": [offer["id"]], "passengers": duffel_passengers(offer)}
    return await client.post("/duffel/air/orders", json={"data": body}, headers=DUFFEL)
