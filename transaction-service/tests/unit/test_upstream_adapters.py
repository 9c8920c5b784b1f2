"""The httpx adapters against the real payload shapes (respx): problems are passed on with
their slug and extra members; transport failures become 503/504."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import respx

from adapters.upstream import HttpBookingGateway, HttpPaymentGateway
from domain.errors import ChargePaid, UpstreamProblem
from domain.ports import HoldRequest
from tests.fakes import FLIGHTS_URL, INTERNAL_TOKEN, PAYMENT_URL, FakeFlights, FakePayments, problem


@pytest.fixture
def mocked() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def test_hold_issue_cancel_round_trip(mocked: respx.MockRouter) -> None:
    fake = FakeFlights()
    fake.install(mocked)
    async with httpx.AsyncClient(base_url=FLIGHTS_URL) as http:
        gateway = HttpBookingGateway({"flight": http}, INTERNAL_TOKEN)
        assert gateway.supports("flight")
        assert not gateway.supports("hotel")
        request = HoldRequest(
            "offer",
            [{"type": "adult", "first_name": "A", "last_name": "B"}],
            {"email": "a@b.co", "phone": "1"},
        )
        held = await gateway.hold("flight", "key-1", request)
        assert held.status == "held"
        assert held.total_price == Decimal("1500000.00")
        assert held.hold_expires_at is not None
        assert (await gateway.hold("flight", "key-1", request)).reference == held.reference
        issued = await gateway.issue("flight", held.reference)
        assert issued.tickets[0]["ticket_number"]
        assert issued.refund_amount is None
        cancelled = await gateway.cancel("flight", held.reference)
        assert cancelled.status == "cancelled"
        assert cancelled.tickets == issued.tickets
        assert cancelled.refund_amount == Decimal("1350000.00")
        fake.cancel_problem = problem(503, "supplier-unavailable")
        with pytest.raises(UpstreamProblem) as caught:
            await gateway.cancel("flight", held.reference)
        assert (caught.value.status, caught.value.slug) == (503, "supplier-unavailable")


async def test_booking_problems_keep_their_extra_members(mocked: respx.MockRouter) -> None:
    mocked.post(f"{FLIGHTS_URL}/internal/bookings").mock(
        return_value=problem(409, "price-changed", total_price="2.00", previous_total_price="1.00")
    )
    async with httpx.AsyncClient(base_url=FLIGHTS_URL) as http:
        gateway = HttpBookingGateway({"flight": http}, INTERNAL_TOKEN)
        with pytest.raises(UpstreamProblem) as caught:
            await gateway.hold("flight", "k", HoldRequest("o", [], {}))
    assert caught.value.slug == "price-changed"
    assert caught.value.extra["total_price"] == "2.00"
    assert caught.value.is_permanent


@pytest.mark.parametrize(
    ("effect", "status"),
    [
        (httpx.ConnectTimeout("slow"), 504),
        (httpx.ConnectError("down"), 503),
        (httpx.Response(500, text="boom"), 502),
    ],
)
async def test_transport_failures_and_garbage(mocked: respx.MockRouter, effect: object, status: int) -> None:
    route = mocked.post(f"{PAYMENT_URL}/internal/charges/x/sync")
    if isinstance(effect, httpx.Response):
        route.mock(return_value=effect)
    else:
        route.mock(side_effect=effect)
    async with httpx.AsyncClient(base_url=PAYMENT_URL) as http:
        with pytest.raises(UpstreamProblem) as caught:
            await HttpPaymentGateway(http, INTERNAL_TOKEN).sync("x")
    assert caught.value.status == status
    assert caught.value.is_transient


async def test_cancel_of_a_paid_charge_is_charge_paid(mocked: respx.MockRouter) -> None:
    fake = FakePayments()
    fake.install(mocked)
    fake.charges["p1"] = {"order_id": "p1", "status": "paid", "gross_amount": "1.00"}
    async with httpx.AsyncClient(base_url=PAYMENT_URL) as http:
        with pytest.raises(ChargePaid):
            await HttpPaymentGateway(http, INTERNAL_TOKEN).cancel("p1")
