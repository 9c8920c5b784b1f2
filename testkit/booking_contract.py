"""The booking contract (docs/booking-contract.md) as reusable tests every product service runs
against itself.

A product service's `tests/test_booking_contract.py` is a few lines, by capability:

    class TestBookingContract(BookingContract, HoldsInventoryContract):   # flights, ferries
        pass

    class TestBookingContract(BookingContract, QuoteOnlyContract, PendingIssuanceContract):  # PPOB
        pass

pytest collects the inherited tests in the service's own process; these base classes are never
collected themselves, because their names do not start with `Test`.

The service's conftest provides two fixtures:

- `booking_api`: an `httpx.AsyncClient` on the product app, running in-process (`running_app`),
  that already sends `X-Internal-Token`. `booking_api_for(app, token)` below builds one:

      @pytest.fixture
      async def booking_api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
          async with booking_api_for(app, INTERNAL_TOKEN) as client:
              yield client

- `product`: an object implementing `ProductUnderTest` (and `HoldingProduct` for
  `HoldsInventoryContract`, `PendingProduct` for `PendingIssuanceContract`), which knows how to
  make something bookable and how to move the outside world (a fake clock, a supplier knob).
  It sets `service_type` (`"flight"`, …) and, for a product whose issued bookings cannot be
  taken back (a delivered PLN token), `cancellable_after_issue = False` as a class attribute;
  cancelling an issued booking is then expected to be 409 `not-cancellable`.

Every test checks the booking's shape on every answer (`assert_booking`): the fields and no
others, a known status, quote arithmetic (Σ quantity × unit_price == total, to the sen), decimal
strings with two places, the customer (E.164 phone), timestamps in UTC with a `Z`, documents as
`{kind, reference, title, fields}` with a known kind, and `failure_reason` set exactly when the
booking failed. Problems are checked by status and slug (the last part of `type`).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

import httpx
from fastapi import FastAPI

from testkit.asgi import running_app

INTERNAL_TOKEN_HEADER = "X-Internal-Token"  # noqa: S105 - a header name
BOOKINGS = "/internal/bookings"

STATUSES = frozenset({"held", "pending", "issued", "cancelled", "expired", "failed"})
SERVICE_TYPES = frozenset({"flight", "ferry", "hotel", "ppob"})
DOCUMENT_KINDS = frozenset(
    {"e-ticket", "boarding-pass", "hotel-voucher", "pln-token", "receipt", "serial-number"}
)
BOOKING_FIELDS = frozenset(
    {
        "booking_reference",
        "service_type",
        "offer_id",
        "status",
        "supplier",
        "supplier_reference",
        "holds_inventory",
        "hold_expires_at",
        "quote",
        "customer",
        "booking_details",
        "documents",
        "failure_reason",
        "refund_amount",
        "created_at",
        "updated_at",
    }
)
MONEY = re.compile(r"^-?\d{1,12}\.\d{2}$")
UTC_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


# --- what the service's conftest provides ------------------------------------------------------


@dataclass(frozen=True)
class Bookable:
    """An offer that can be held, and booking_details that the product accepts for it."""

    offer_id: str
    booking_details: dict[str, Any]

    def body(self) -> dict[str, Any]:
        return {"offer_id": self.offer_id, "booking_details": self.booking_details}


class ProductUnderTest(Protocol):
    service_type: str  # "flight", "ferry", "hotel", "ppob"

    async def bookable(self) -> Bookable:
        """A fresh offer (a new offer_id on every call) with plenty of inventory, and valid
        booking_details for it. Issuing it finishes at once unless the test asked otherwise."""
        ...

    def broken_details(self, bookable: Bookable) -> dict[str, Any]:
        """booking_details for that offer breaking at least two of the product's rules (each
        reported as its own error)."""
        ...


class HoldingProduct(ProductUnderTest, Protocol):
    async def last_unit(self) -> Bookable:
        """An offer with exactly one unit (seat, deck space, room) left."""
        ...

    def second_customer(self, bookable: Bookable) -> dict[str, Any]:
        """booking_details for the same offer for another customer (other names, other contact)."""
        ...

    async def expire_hold(self, booking_reference: str) -> None:
        """Makes the hold lapse: moves the product's fake clock past hold_expires_at, or turns the
        supplier knob that makes the hold expire there."""
        ...


class PendingProduct(ProductUnderTest, Protocol):
    async def next_issue_pending(self, outcome: Literal["issued", "failed"]) -> None:
        """The next issue is answered `pending` by the supplier, which later settles it as
        `outcome`."""
        ...

    async def settle_pending(self, booking_reference: str) -> None:
        """Delivers the supplier's late answer for that booking (callback or poll), so that a GET
        afterwards reads the final status."""
        ...


@asynccontextmanager
async def booking_api_for(app: FastAPI, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app running in-process, with a client that sends the internal token on every call."""
    async with running_app(app) as client:
        client.headers[INTERNAL_TOKEN_HEADER] = token
        yield client


# --- checks ------------------------------------------------------------------------------------


def slug(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    problem: dict[str, Any] = response.json()
    return str(problem["type"]).rsplit("/", 1)[-1]


def assert_problem(response: httpx.Response, status: int, expected_slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert slug(response) == expected_slug, response.text
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


def _money(value: Any, where: str) -> Decimal:
    assert isinstance(value, str), f"{where}: {value!r} is not a string"
    assert MONEY.match(value), f"{where}: {value!r} is not a decimal string like '1500000.00'"
    return Decimal(value)


def _instant(value: Any, where: str) -> None:
    assert isinstance(value, str), f"{where}: {value!r} is not a string"
    assert UTC_INSTANT.match(value), f"{where}: {value!r} is not UTC with a Z"


def when(value: str) -> datetime:
    """A contract timestamp as an aware datetime (to compare instants, not strings)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_booking(
    response: httpx.Response, status: int = 200, *, product: ProductUnderTest | None = None
) -> dict[str, Any]:
    """The response is a booking in the contract's shape; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    booking: dict[str, Any] = response.json()
    assert set(booking) == BOOKING_FIELDS, f"fields differ: {sorted(set(booking) ^ BOOKING_FIELDS)}"

    assert isinstance(booking["booking_reference"], str)
    assert booking["booking_reference"]
    assert booking["service_type"] in SERVICE_TYPES
    if product is not None:
        assert booking["service_type"] == product.service_type
    assert isinstance(booking["offer_id"], str)
    assert booking["offer_id"]
    assert booking["status"] in STATUSES
    assert isinstance(booking["supplier"], str)
    assert booking["supplier"]
    assert booking["supplier_reference"] is None or isinstance(booking["supplier_reference"], str)
    assert isinstance(booking["holds_inventory"], bool)
    for name in ("hold_expires_at", "created_at", "updated_at"):
        _instant(booking[name], name)

    quote = booking["quote"]
    assert set(quote) == {"items", "total", "currency"}, quote
    assert quote["currency"] == "IDR"
    assert isinstance(quote["items"], list)
    assert quote["items"], "a quote has at least one line"
    lines = Decimal("0.00")
    for i, item in enumerate(quote["items"]):
        assert set(item) == {"description", "quantity", "unit_price"}, item
        assert isinstance(item["description"], str), item
        assert 1 <= len(item["description"]) <= 200, item
        assert type(item["quantity"]) is int, item
        assert item["quantity"] >= 1, item
        lines += item["quantity"] * _money(item["unit_price"], f"quote.items[{i}].unit_price")
    total = _money(quote["total"], "quote.total")
    assert lines == total, f"Σ quantity × unit_price = {lines}, but total = {total}"

    customer = booking["customer"]
    assert set(customer) == {"first_name", "last_name", "email", "phone"}, customer
    assert isinstance(customer["first_name"], str)
    assert customer["first_name"].strip()
    assert isinstance(customer["last_name"], str)
    assert isinstance(customer["email"], str)
    assert "@" in customer["email"]
    assert isinstance(customer["phone"], str)
    assert E164.match(customer["phone"]), customer["phone"]

    assert isinstance(booking["booking_details"], dict)
    assert isinstance(booking["documents"], list)
    for document in booking["documents"]:
        assert set(document) == {"kind", "reference", "title", "fields"}, document
        assert document["kind"] in DOCUMENT_KINDS, document
        assert isinstance(document["reference"], str), document
        assert document["reference"], document
        assert isinstance(document["title"], str), document
        assert document["title"], document
        fields = document["fields"]
        assert isinstance(fields, dict), document
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()), document
    if booking["status"] in ("held", "pending", "expired", "failed"):
        assert booking["documents"] == [], "documents exist only once issued"
    if booking["status"] == "failed":
        assert isinstance(booking["failure_reason"], str)
        assert booking["failure_reason"].strip()
    else:
        assert booking["failure_reason"] is None
    if booking["refund_amount"] is not None:
        assert _money(booking["refund_amount"], "refund_amount") >= 0
    return booking


def new_key() -> str:
    # Test databases are shared by a whole session: keys must never repeat across tests.
    return f"contract-{uuid.uuid4()}"


async def hold(api: httpx.AsyncClient, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return await api.post(BOOKINGS, json=body, headers={"Idempotency-Key": key or new_key()})


async def held(
    api: httpx.AsyncClient, product: ProductUnderTest, bookable: Bookable | None = None
) -> dict[str, Any]:
    """A booking just held (status `held`), checked."""
    bookable = bookable or await product.bookable()
    booking = assert_booking(await hold(api, bookable.body()), 201, product=product)
    assert booking["status"] == "held"
    return booking


async def issue(api: httpx.AsyncClient, reference: str) -> httpx.Response:
    return await api.post(f"{BOOKINGS}/{reference}/issue")


async def cancel(api: httpx.AsyncClient, reference: str) -> httpx.Response:
    return await api.post(f"{BOOKINGS}/{reference}/cancel")


async def read(api: httpx.AsyncClient, reference: str) -> httpx.Response:
    return await api.get(f"{BOOKINGS}/{reference}")


# --- the contract ------------------------------------------------------------------------------


class BookingContract:
    """What every product answers: hold, replay, validation, read, issue, cancel, errors."""

    async def test_hold_answers_201_with_a_booking(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        bookable = await product.bookable()
        booking = assert_booking(await hold(booking_api, bookable.body()), 201, product=product)
        assert booking["status"] == "held"
        assert booking["offer_id"] == bookable.offer_id
        assert booking["documents"] == []
        assert booking["refund_amount"] is None
        assert when(booking["created_at"]) <= when(booking["updated_at"])
        assert when(booking["hold_expires_at"]) > when(booking["created_at"])

    async def test_the_same_key_and_body_replay_the_first_answer(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        body, key = (await product.bookable()).body(), new_key()
        first = assert_booking(await hold(booking_api, body, key), 201, product=product)
        second = assert_booking(await hold(booking_api, body, key), 201, product=product)
        # Same booking_reference: the supplier was not asked to hold a second time.
        assert second == first

    async def test_concurrent_duplicates_under_one_key_make_one_booking(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        body, key = (await product.bookable()).body(), new_key()
        # A caller that timed out and retried while the first request still runs: the retry
        # waits for the first answer and replays it.
        responses = await asyncio.gather(*(hold(booking_api, body, key) for _ in range(3)))
        bookings = [assert_booking(r, 201, product=product) for r in responses]
        assert bookings[1] == bookings[0]
        assert bookings[2] == bookings[0]

    async def test_the_same_key_with_another_body_is_422_idempotency_key_reused(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        first, other = await product.bookable(), await product.bookable()
        assert other.body() != first.body(), "bookable() must give a fresh offer on every call"
        key = new_key()
        booking = assert_booking(await hold(booking_api, first.body(), key), 201, product=product)
        assert_problem(await hold(booking_api, other.body(), key), 422, "idempotency-key-reused")
        assert assert_booking(await read(booking_api, booking["booking_reference"]))["status"] == "held"

    async def test_invalid_details_are_422_invalid_booking_listing_every_broken_rule(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        bookable = await product.bookable()
        body = {"offer_id": bookable.offer_id, "booking_details": product.broken_details(bookable)}
        problem = assert_problem(await hold(booking_api, body), 422, "invalid-booking")
        errors = problem["errors"]
        assert isinstance(errors, list), problem
        assert len(errors) >= 2, problem
        for error in errors:
            assert set(error) >= {"loc", "msg", "type"}, error
            assert error["loc"][:2] == ["body", "booking_details"], error
            assert isinstance(error["msg"], str), error
            assert error["msg"], error
        # Nothing was held: the same offer can still be booked with valid details.
        assert_booking(await hold(booking_api, bookable.body()), 201, product=product)

    async def test_unknown_top_level_fields_are_422_validation_error(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        body = {**(await product.bookable()).body(), "passengers": []}
        assert_problem(await hold(booking_api, body), 422, "validation-error")

    async def test_a_missing_or_oversized_idempotency_key_is_422_validation_error(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        body = (await product.bookable()).body()
        assert_problem(await booking_api.post(BOOKINGS, json=body), 422, "validation-error")
        assert_problem(await hold(booking_api, body, "k" * 201), 422, "validation-error")

    async def test_without_the_internal_token_every_route_is_404_not_found(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        booking = await held(booking_api, product)
        reference = booking["booking_reference"]
        calls = [
            ("POST", BOOKINGS, (await product.bookable()).body()),
            ("GET", f"{BOOKINGS}/{reference}", None),
            ("POST", f"{BOOKINGS}/{reference}/issue", None),
            ("POST", f"{BOOKINGS}/{reference}/cancel", None),
        ]
        for token in (None, "not-the-token"):
            for method, path, body in calls:
                request = booking_api.build_request(
                    method, path, json=body, headers={"Idempotency-Key": new_key()}
                )
                if token is None:
                    del request.headers[INTERNAL_TOKEN_HEADER]
                else:
                    request.headers[INTERNAL_TOKEN_HEADER] = token
                assert_problem(await booking_api.send(request), 404, "not-found")
        # None of those calls moved the booking.
        assert assert_booking(await read(booking_api, reference)) == booking

    async def test_an_unknown_reference_is_404_booking_not_found(
        self, booking_api: httpx.AsyncClient
    ) -> None:
        unknown = str(uuid.uuid4())
        assert_problem(await read(booking_api, unknown), 404, "booking-not-found")
        assert_problem(await issue(booking_api, unknown), 404, "booking-not-found")
        assert_problem(await cancel(booking_api, unknown), 404, "booking-not-found")

    async def test_get_returns_the_booking(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        booking = await held(booking_api, product)
        assert (
            assert_booking(await read(booking_api, booking["booking_reference"]), product=product) == booking
        )

    async def test_issue_answers_issued_with_documents_and_twice_is_the_same(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        issued = assert_booking(await issue(booking_api, reference), product=product)
        assert issued["status"] == "issued"
        assert len(issued["documents"]) >= 1
        again = assert_booking(await issue(booking_api, reference))
        assert again == issued
        assert assert_booking(await read(booking_api, reference)) == issued

    async def test_cancel_of_a_held_booking_answers_cancelled_and_twice_is_the_same(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        cancelled = assert_booking(await cancel(booking_api, reference), product=product)
        assert cancelled["status"] == "cancelled"
        assert cancelled["documents"] == []
        assert assert_booking(await cancel(booking_api, reference)) == cancelled
        assert assert_booking(await read(booking_api, reference)) == cancelled

    async def test_cancel_of_an_issued_booking(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        issued = assert_booking(await issue(booking_api, reference))
        assert issued["status"] == "issued"
        if not getattr(product, "cancellable_after_issue", True):
            assert_problem(await cancel(booking_api, reference), 409, "not-cancellable")
            assert assert_booking(await read(booking_api, reference)) == issued
            return
        cancelled = assert_booking(await cancel(booking_api, reference), product=product)
        assert cancelled["status"] == "cancelled"
        assert cancelled["documents"] == issued["documents"], "documents are kept after a cancel (then void)"
        assert cancelled["quote"] == issued["quote"]
        assert assert_booking(await cancel(booking_api, reference)) == cancelled

    async def test_issue_of_a_cancelled_booking_is_409_booking_cancelled(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        cancelled = assert_booking(await cancel(booking_api, reference))
        assert_problem(await issue(booking_api, reference), 409, "booking-cancelled")
        assert assert_booking(await read(booking_api, reference)) == cancelled


class HoldsInventoryContract:
    """Products whose hold reserves inventory (flights, ferries): the last unit goes to one
    buyer, and a hold lapses."""

    async def test_a_hold_reserves_inventory(
        self, booking_api: httpx.AsyncClient, product: HoldingProduct
    ) -> None:
        assert (await held(booking_api, product))["holds_inventory"] is True

    async def test_two_holds_racing_for_the_last_unit_one_wins_one_is_409_sold_out(
        self, booking_api: httpx.AsyncClient, product: HoldingProduct
    ) -> None:
        last = await product.last_unit()
        other = Bookable(last.offer_id, product.second_customer(last))
        assert other.booking_details != last.booking_details
        responses = await asyncio.gather(hold(booking_api, last.body()), hold(booking_api, other.body()))
        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        for response in responses:
            if response.status_code == 201:
                assert assert_booking(response, 201, product=product)["status"] == "held"
            else:
                assert_problem(response, 409, "sold-out")

    async def test_an_expired_hold_reads_expired_and_cannot_be_issued(
        self, booking_api: httpx.AsyncClient, product: HoldingProduct
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        await product.expire_hold(reference)
        expired = assert_booking(await read(booking_api, reference), product=product)
        assert expired["status"] == "expired"
        assert_problem(await issue(booking_api, reference), 409, "hold-expired")
        # Cancel is idempotent: an expired booking is returned as it is.
        assert assert_booking(await cancel(booking_api, reference)) == expired


class QuoteOnlyContract:
    """Products without an inventory hold (PPOB, hotels whose supplier has none): the booking is
    a validated quote, and cancel still ends it."""

    async def test_a_hold_is_a_quote_that_reserves_nothing(
        self, booking_api: httpx.AsyncClient, product: ProductUnderTest
    ) -> None:
        booking = await held(booking_api, product)
        assert booking["holds_inventory"] is False
        cancelled = assert_booking(await cancel(booking_api, booking["booking_reference"]), product=product)
        assert cancelled["status"] == "cancelled"


class PendingIssuanceContract:
    """Products whose supplier may finish issuing later (PPOB billers, on-request hotels)."""

    async def test_a_pending_issue_settles_as_issued(
        self, booking_api: httpx.AsyncClient, product: PendingProduct
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        await product.next_issue_pending("issued")
        pending = assert_booking(await issue(booking_api, reference), product=product)
        assert pending["status"] == "pending"
        assert pending["documents"] == []
        assert assert_booking(await issue(booking_api, reference)) == pending, "issue on pending returns it"
        await product.settle_pending(reference)
        issued = assert_booking(await read(booking_api, reference), product=product)
        assert issued["status"] == "issued"
        assert len(issued["documents"]) >= 1
        assert assert_booking(await issue(booking_api, reference)) == issued

    async def test_a_pending_issue_settles_as_failed_with_a_reason(
        self, booking_api: httpx.AsyncClient, product: PendingProduct
    ) -> None:
        reference = (await held(booking_api, product))["booking_reference"]
        await product.next_issue_pending("failed")
        pending = assert_booking(await issue(booking_api, reference), product=product)
        assert pending["status"] == "pending"
        await product.settle_pending(reference)
        failed = assert_booking(await read(booking_api, reference), product=product)
        assert failed["status"] == "failed"
        assert failed["failure_reason"]
        assert failed["documents"] == []
