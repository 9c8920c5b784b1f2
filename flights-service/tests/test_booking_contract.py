"""The booking contract every product speaks (docs/booking-contract.md), run against
flights-service with its fake suppliers: testkit/booking_contract.py. Flights hold seats, and
issue at once (never `pending`)."""

from __future__ import annotations

from testkit.booking_contract import BookingContract, HoldsInventoryContract


class TestBookingContract(BookingContract, HoldsInventoryContract):
    pass
