"""The booking contract every product passes (testkit/booking_contract.py): ferries hold seats and
deck space, so the inventory tests (last unit, expiry) apply too."""

from __future__ import annotations

from testkit.booking_contract import BookingContract, HoldsInventoryContract


class TestBookingContract(BookingContract, HoldsInventoryContract):
    pass
