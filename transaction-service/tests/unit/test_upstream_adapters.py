"""The httpx adapters against the real payload shapes (respx): a booking read as the contract
writes it; problems raised as business-named errors with their slug and extra members;
transport failures and garbage as errors worth retrying."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx

from adapters.upstream import HttpBookingGateway, HttpPaymentGateway
from domain.errors import (
    BookingRefused,
    ChargeNotFound,
    ChargePaid,
    PaymentGatewayRejected,
    PaymentRefused,
    PaymentServiceUnavailable,
    ProductAnswerInvalid,
    ProductTimeout,
    ProductUnavailable,
)
from domain.ports import HoldRequest
from tests.fakes import FLIGHTS_URL, INTERNAL_TOKEN, PAYMENT_URL, FakeFlights, FakePayments, problem

DETAILS = {
    "passengers": [{"type": "adult", "first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01"}],
    "contact": {"email": "a@b.co", "phone": "0812"},
}


@pytest.fixture
def mocked() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def test_hold_get_issue_cancel_round_trip(mocked: respx.MockRouter) -> None:
    fake = FakeFlights()
    fake.install(mocked)
    async with httpx.AsyncClient(base_url=FLIGHTS_URL) as http:
        gateway = HttpBookingGateway({"flight": http}, INTERNAL_TOKEN)
        assert gateway.supports("flight")
        assert not gateway.supports("hotel")
        request = HoldRequest("offer", DETAILS)
        held = await gateway.hold("flight", "key-1", request)
        assert fake.requests == [{"offer_id": "offer", "booking_details": DETAILS}]
        assert (held.status, held.service_type, held.holds_inventory) == ("held", "flight", True)
        assert held.quote.total == Decimal("1500000.00")
        assert held.quote.adds_up()
        assert held.customer.phone == "+6281234567890"
        assert held.details["contact"]["phone"] == "+6281234567890"
        assert held.hold_expires_at is not None
        assert (await gateway.hold("flight", "key-1", request)).reference == held.reference
        assert (await gateway.get("flight", held.reference)).reference == held.reference
        issued = await gateway.issue("flight", held.reference)
        assert issued.documents[0]["kind"] == "e-ticket"
        assert issued.refund_amount is None
        cancelled = await gateway.cancel("flight", held.reference)
        assert cancelled.status == "cancelled"
        assert cancelled.documents == issued.documents
        assert cancelled.refund_amount == Decimal("1350000.00")
        fake.cancel_problem = problem(503, "supplier-unavailable")
        with pytest.raises(ProductUnavailable) as caught:
            await gateway.cancel("flight", held.reference)
        assert (caught.value.answered_status, caught.value.slug) == (503, "supplier-unavailable")
        with pytest.raises(BookingRefused) as missing:
            await gateway.get("flight", "no-such-booking")
        assert missing.value.slug == "booking-not-found"


async def test_refusals_keep_their_slug_status_and_extra_members(mocked: respx.MockRouter) -> None:
    errors = [{"loc": ["body", "booking_details", "passengers", 0, "first_name"], "msg": "x", "type": "y"}]
    route = mocked.post(f"{FLIGHTS_URL}/internal/bookings")
    async with httpx.AsyncClient(base_url=FLIGHTS_URL) as http:
        gateway = HttpBookingGateway({"flight": http}, INTERNAL_TOKEN)
        route.mock(
            return_value=problem(409, "price-changed", total_price="2.00", previous_total_price="1.00")
        )
        with pytest.raises(BookingRefused) as caught:
            await gateway.hold("flight", "k", HoldRequest("o", {}))
        assert (caught.value.slug, caught.value.answered_status) == ("price-changed", 409)
        assert caught.value.members == {"total_price": "2.00", "previous_total_price": "1.00"}
        route.mock(return_value=problem(422, "invalid-booking", errors=errors))
        with pytest.raises(BookingRefused) as invalid:
            await gateway.hold("flight", "k", HoldRequest("o", {}))
        assert invalid.value.members == {"errors": errors}
        route.mock(return_value=problem(502, "supplier-rejected"))
        with pytest.raises(BookingRefused):
            await gateway.hold("flight", "k", HoldRequest("o", {}))


@pytest.mark.parametrize(
    ("effect", "error", "status"),
    [
        (httpx.ConnectTimeout("slow"), ProductTimeout, 504),
        (httpx.ConnectError("down"), ProductUnavailable, 503),
        (httpx.Response(500, text="boom"), ProductUnavailable, 502),
        (httpx.Response(201, json=["not", "a", "booking"]), ProductAnswerInvalid, 502),
        (httpx.Response(201, json={"booking_reference": "x", "status": "held"}), ProductAnswerInvalid, 502),
    ],
)
async def test_booking_outages_and_garbage_are_worth_retrying(
    mocked: respx.MockRouter, effect: httpx.Response | Exception, error: type[Exception], status: int
) -> None:
    route = mocked.post(f"{FLIGHTS_URL}/internal/bookings")
    if isinstance(effect, httpx.Response):
        route.mock(return_value=effect)
    else:
        route.mock(side_effect=effect)
    async with httpx.AsyncClient(base_url=FLIGHTS_URL) as http:
        with pytest.raises(error) as caught:
            await HttpBookingGateway({"flight": http}, INTERNAL_TOKEN).hold(
                "flight", "k", HoldRequest("o", {})
            )
    assert isinstance(caught.value, ProductUnavailable)
    assert caught.value.answered_status == status


@pytest.mark.parametrize(
    ("effect", "error", "status"),
    [
        (httpx.ConnectTimeout("slow"), PaymentServiceUnavailable, 504),
        (httpx.ConnectError("down"), PaymentServiceUnavailable, 503),
        (httpx.Response(500, text="boom"), PaymentServiceUnavailable, 500),
        (problem(502, "gateway-rejected"), PaymentGatewayRejected, 502),
        (problem(409, "refund-not-allowed"), PaymentRefused, 409),
        (problem(404, "charge-not-found"), ChargeNotFound, 404),
    ],
)
async def test_payment_service_answers(
    mocked: respx.MockRouter, effect: httpx.Response | Exception, error: type[Exception], status: int
) -> None:
    route = mocked.post(f"{PAYMENT_URL}/internal/charges/x/sync")
    if isinstance(effect, httpx.Response):
        route.mock(return_value=effect)
    else:
        route.mock(side_effect=effect)
    async with httpx.AsyncClient(base_url=PAYMENT_URL) as http:
        with pytest.raises(error) as caught:
            await HttpPaymentGateway(http, INTERNAL_TOKEN).sync("x")
    assert type(caught.value) is error
    assert getattr(caught.value, "answered_status", None) == status


async def test_cancel_of_a_paid_charge_is_charge_paid(mocked: respx.MockRouter) -> None:
    fake = FakePayments()
    fake.install(mocked)
    fake.charges["p1"] = {"order_id": "p1", "status": "paid", "gross_amount": "1.00"}
    async with httpx.AsyncClient(base_url=PAYMENT_URL) as http:
        with pytest.raises(ChargePaid):
            await HttpPaymentGateway(http, INTERNAL_TOKEN).cancel("p1")
