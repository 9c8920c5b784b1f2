"""The booking contract's routes as shared.booking_api builds them, on a product desk in memory and
the Idempotency-Key store on a real PostgreSQL: the guard, the booking's body, holds once per key,
recorded refusals replayed without asking the desk again, outages forgotten, and invalid details
located under ["body", "booking_details", …]."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.booking_api import (
    BookingOut,
    booking_router,
    dotted_loc,
    invalid_booking,
    price_changed,
    problem_answer,
    utc_instant,
)
from shared.booking_lifecycle import BookingStatus, ContractBooking, Customer, Document, LineItem, Quote
from shared.errors import ProblemSpec
from shared.idempotency import IdempotencyStore, Replay
from shared.schema import idempotency_table
from shared.service_app import create_service_app
from shared.settings import RuntimeSettings, to_asyncpg_url
from testkit.asgi import running_app
from testkit.postgres import asyncpg_pool, sessions_with_tables

TOKEN = "internal-test-token"
NOW = datetime(2026, 12, 4, 8, 0, 0, 120000, tzinfo=UTC)
metadata = sa.MetaData()
keys_table = idempotency_table(metadata)


class PriceMoved(Exception):
    def __init__(self, previous: Decimal, current: Decimal) -> None:
        super().__init__(f"The price changed from IDR {previous} to IDR {current}.")
        self.previous = previous
        self.current = current


class OfferGone(Exception):
    pass


class SupplierDown(Exception):
    pass


class BadDetails(Exception):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class NoSuchBooking(Exception):
    pass


ERROR_MAP = {
    OfferGone: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SupplierDown: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    NoSuchBooking: ProblemSpec(404, "booking-not-found", "Booking not found"),
}
RECORDED = (PriceMoved, OfferGone)


def refusal(exc: BaseException) -> Replay | None:
    if isinstance(exc, PriceMoved):
        return price_changed(str(exc), exc.previous, exc.current)
    if isinstance(exc, BadDetails):
        return invalid_booking(str(exc), ((dotted_loc(f), m, "invalid_booking") for f, m in exc.problems))
    if isinstance(exc, OfferGone):
        return problem_answer(ERROR_MAP[OfferGone], str(exc))
    return None


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=40)
    phone: str


class DetailsIn(BaseModel):
    """A product that reads its booking_details with pydantic first."""

    model_config = ConfigDict(extra="forbid")

    guests: list[str] = Field(min_length=1)
    contact: ContactIn


@dataclass(frozen=True)
class Stay:
    reference: str
    offer_id: str
    guests: tuple[str, ...]
    email: str
    status: BookingStatus = BookingStatus.HELD
    voucher: str | None = None  # the supplier's reference, once issued


class Desk:
    """A product desk in memory: offers by id say what the supplier would answer."""

    def __init__(self) -> None:
        self.bookings: dict[str, Stay] = {}
        self.holds = 0

    async def hold(self, key: str, offer_id: str, details: DetailsIn) -> Stay:
        self.holds += 1
        if offer_id == "off_moved":
            raise PriceMoved(Decimal("1500000.00"), Decimal("1650000.00"))
        if offer_id == "off_gone":
            raise OfferGone("This offer has expired or is unknown; search again.")
        if offer_id == "off_down":
            raise SupplierDown("The supplier is unavailable: 502 from upstream.")
        if any(not g.istitle() for g in details.guests):
            raise BadDetails(
                [(f"guests.{i}", "Names are capitalised.") for i, g in enumerate(details.guests)]
            )
        stay = Stay(f"B{len(self.bookings) + 1}", offer_id, tuple(details.guests), details.contact.email)
        self.bookings[stay.reference] = stay
        return stay

    async def get(self, reference: str) -> Stay:
        if reference not in self.bookings:
            raise NoSuchBooking("No booking has this reference.")
        return self.bookings[reference]

    async def issue(self, reference: str) -> Stay:
        stay = replace(await self.get(reference), status=BookingStatus.ISSUED, voucher="102-555")
        self.bookings[reference] = stay
        return stay

    async def cancel(self, reference: str) -> Stay:
        stay = replace(await self.get(reference), status=BookingStatus.CANCELLED)
        self.bookings[reference] = stay
        return stay

    def view(self, stay: Stay) -> ContractBooking:
        documents: tuple[Document, ...] = ()
        if stay.voucher is not None:
            documents = (Document("hotel-voucher", stay.voucher, "Hotel voucher", {"room": "Deluxe"}),)
        return ContractBooking(
            reference=stay.reference,
            service_type="hotel",
            offer_id=stay.offer_id,
            status=stay.status,
            supplier="hotelbeds",
            supplier_reference=stay.voucher,
            holds_inventory=False,
            hold_expires_at=NOW + timedelta(minutes=15),
            quote=Quote((LineItem("Deluxe room, 2 nights", 2, Decimal("750000.00")),), Decimal("1500000.00")),
            customer=Customer(stay.guests[0], "", stay.email, "+6281234567890"),
            booking_details={"guests": list(stay.guests)},
            documents=documents,
            refund_amount=Decimal("0") if stay.status is BookingStatus.CANCELLED else None,
            created_at=NOW,
            updated_at=NOW,
        )


@pytest.fixture(scope="module")
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("booking_api"))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[IdempotencyStore]:
    async with sessions_with_tables(database_url, metadata), asyncpg_pool(database_url) as pool:
        yield IdempotencyStore(pool, keys_table.name)


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
async def api(desk: Desk, store: IdempotencyStore) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_service_app(
        name="demo-product",
        title="Demo product",
        version="1",
        description="demo",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),
        error_map=ERROR_MAP,
    )
    app.state.internal_token = TOKEN
    app.include_router(
        booking_router(
            lambda request: desk,
            lambda request: store,
            read_details=DetailsIn.model_validate,
            refusal=refusal,
            recorded=RECORDED,
            offer_id_max_length=32,
        )
    )
    async with running_app(app) as client:
        client.headers["X-Internal-Token"] = TOKEN
        yield client


def body(offer_id: str = "off_1", guests: list[str] | None = None) -> dict[str, Any]:
    contact = {"email": "siti@example.com", "phone": "0812-3456-7890"}
    return {"offer_id": offer_id, "booking_details": {"guests": guests or ["Siti"], "contact": contact}}


async def hold(api: httpx.AsyncClient, payload: dict[str, Any], key: str = "key-1") -> httpx.Response:
    return await api.post("/internal/bookings", json=payload, headers={"Idempotency-Key": key})


async def test_a_hold_answers_the_contracts_booking_once_per_key(api: httpx.AsyncClient, desk: Desk) -> None:
    first = await hold(api, body())
    assert first.status_code == 201
    booking = first.json()
    assert booking == {
        "booking_reference": "B1",
        "service_type": "hotel",
        "offer_id": "off_1",
        "status": "held",
        "supplier": "hotelbeds",
        "supplier_reference": None,
        "holds_inventory": False,
        "hold_expires_at": "2026-12-04T08:15:00.120000Z",
        "quote": {
            "items": [{"description": "Deluxe room, 2 nights", "quantity": 2, "unit_price": "750000.00"}],
            "total": "1500000.00",
            "currency": "IDR",
        },
        "customer": {
            "first_name": "Siti",
            "last_name": "",
            "email": "siti@example.com",
            "phone": "+6281234567890",
        },
        "booking_details": {"guests": ["Siti"]},
        "documents": [],
        "failure_reason": None,
        "refund_amount": None,
        "created_at": "2026-12-04T08:00:00.120000Z",
        "updated_at": "2026-12-04T08:00:00.120000Z",
    }
    again = await hold(api, body())
    assert (again.status_code, again.json()) == (201, booking)
    assert desk.holds == 1


async def test_read_issue_and_cancel_answer_the_booking_as_it_moves(api: httpx.AsyncClient) -> None:
    reference = (await hold(api, body())).json()["booking_reference"]
    assert (await api.get(f"/internal/bookings/{reference}")).json()["status"] == "held"
    issued = (await api.post(f"/internal/bookings/{reference}/issue")).json()
    assert issued["status"] == "issued"
    assert issued["documents"] == [
        {
            "kind": "hotel-voucher",
            "reference": "102-555",
            "title": "Hotel voucher",
            "fields": {"room": "Deluxe"},
        }
    ]
    cancelled = (await api.post(f"/internal/bookings/{reference}/cancel")).json()
    assert (cancelled["status"], cancelled["refund_amount"]) == ("cancelled", "0.00")
    assert cancelled["documents"] == issued["documents"]


async def test_an_unknown_booking_is_the_products_404(api: httpx.AsyncClient) -> None:
    for response in (
        await api.get("/internal/bookings/nope"),
        await api.post("/internal/bookings/nope/issue"),
        await api.post("/internal/bookings/nope/cancel"),
    ):
        assert response.status_code == 404
        assert response.json()["type"].endswith("/booking-not-found")


async def test_a_price_change_is_409_with_the_new_total_and_is_replayed_without_asking_again(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    first = await hold(api, body("off_moved"))
    assert first.status_code == 409
    assert first.headers["content-type"] == "application/problem+json"
    problem = first.json()
    assert problem["type"].endswith("/price-changed")
    assert (problem["total_price"], problem["previous_total_price"], problem["currency"]) == (
        "1650000.00",
        "1500000.00",
        "IDR",
    )
    again = await hold(api, body("off_moved"))
    assert again.status_code == 409
    replayed = again.json()
    # The same answer, naming the request that got it this time.
    assert replayed.pop("request_id") == again.headers["X-Request-ID"] != problem.pop("request_id")
    assert replayed == problem
    assert desk.holds == 1


async def test_a_gone_offer_is_410_and_recorded(api: httpx.AsyncClient, desk: Desk) -> None:
    for _ in range(2):
        response = await hold(api, body("off_gone"))
        assert response.status_code == 410
        assert response.json()["type"].endswith("/offer-expired")
    assert desk.holds == 1


async def test_a_supplier_outage_is_not_recorded_so_a_retry_asks_again(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    for _ in range(2):
        response = await hold(api, body("off_down"))
        assert response.status_code == 503
        assert response.json()["type"].endswith("/supplier-unavailable")
    assert desk.holds == 2


async def test_broken_product_rules_are_422_located_in_booking_details(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    response = await hold(api, body(guests=["siti", "budi"]))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/invalid-booking")
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "booking_details", "guests", 0], "invalid_booking"),
        (["body", "booking_details", "guests", 1], "invalid_booking"),
    ]
    # Not recorded: the same key with corrected details holds.
    assert (await hold(api, body(guests=["Siti"]))).status_code == 201
    assert desk.holds == 2


async def test_details_of_the_wrong_shape_are_invalid_booking_before_the_desk_is_asked(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    payload = body()
    payload["booking_details"]["contact"] = {"email": "x" * 41, "phone": "0812", "fax": "021"}
    del payload["booking_details"]["guests"]
    response = await hold(api, payload)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/invalid-booking")
    assert sorted(tuple(e["loc"]) for e in problem["errors"]) == [
        ("body", "booking_details", "contact", "email"),
        ("body", "booking_details", "contact", "fax"),
        ("body", "booking_details", "guests"),
    ]
    assert desk.holds == 0


@pytest.mark.parametrize(
    ("payload", "headers"),
    [
        (body(), {}),  # no Idempotency-Key
        (body(), {"Idempotency-Key": "k" * 201}),
        (body("o" * 33), {"Idempotency-Key": "key-1"}),  # longer than this product's offer ids
        ({**body(), "extra": 1}, {"Idempotency-Key": "key-1"}),
    ],
)
async def test_a_malformed_hold_request_is_a_validation_error(
    api: httpx.AsyncClient, desk: Desk, payload: dict[str, Any], headers: dict[str, str]
) -> None:
    response = await api.post("/internal/bookings", json=payload, headers=headers)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation-error")
    assert desk.holds == 0


async def test_without_the_internal_token_the_routes_do_not_exist(api: httpx.AsyncClient) -> None:
    reference = (await hold(api, body())).json()["booking_reference"]
    for token in (None, "wrong"):
        headers = {"X-Internal-Token": token} if token else {}
        api.headers.pop("X-Internal-Token", None)
        response = await api.get(f"/internal/bookings/{reference}", headers=headers)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/not-found")
    assert not any(path.startswith("/internal") for path in (await api.get("/openapi.json")).json()["paths"])


def test_instants_are_utc_with_a_z_and_the_body_model_reads_a_view() -> None:
    wib = datetime(2026, 12, 4, 22, 0, tzinfo=timezone(timedelta(hours=7)))
    assert utc_instant(wib) == "2026-12-04T15:00:00Z"
    view = Desk().view(Stay("B9", "off_9", ("Siti",), "siti@example.com", BookingStatus.ISSUED, "102-9"))
    out = BookingOut.of(view)
    assert (out.status, out.supplier_reference, out.documents[0].reference) == ("issued", "102-9", "102-9")
