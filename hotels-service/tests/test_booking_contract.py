"""hotels-service passes the booking contract (testkit/booking_contract.py): a hotel booking is a
checked quote that reserves nothing, and an on-request rate is issued later (pending)."""

from __future__ import annotations

from testkit.booking_contract import BookingContract, PendingIssuanceContract, QuoteOnlyContract


class TestBookingContract(BookingContract, QuoteOnlyContract, PendingIssuanceContract):
    pass
