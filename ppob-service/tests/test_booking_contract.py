"""ppob-service speaks the booking contract: a hold is a quote (nothing reserved), issue may be
pending and settle by callback, and a delivered purchase cannot be cancelled."""

from __future__ import annotations

from testkit.booking_contract import BookingContract, PendingIssuanceContract, QuoteOnlyContract


class TestBookingContract(BookingContract, QuoteOnlyContract, PendingIssuanceContract):
    pass
