"""What the Hotelbeds-shaped supplier remembers: rooms sold per night (allotment runs out), and the
bookings it made. A hotel supplier holds nothing before booking: availability is decided when
the booking arrives."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hotelbeds_inventory import initial_allotment, nights
from hotelbeds_rates import RateKey


@dataclass
class HotelBooking:
    reference: str
    client_reference: str
    key: RateKey
    status: str  # CONFIRMED | PENDING (on request) | CANCELLED
    total_net: Decimal
    policies: list[dict[str, Any]]
    holder: dict[str, str]
    paxes: list[dict[str, Any]]
    remark: str | None
    created_at: datetime
    confirm_at: datetime | None = None  # an on-request booking is confirmed by the hotel then
    refused: bool = False
    cancellation_reference: str | None = None
    cancellation_amount: Decimal | None = None


@dataclass
class HotelbedsBook:
    seed: int
    on_request_seconds: float
    sold: dict[tuple[int, str, date], int] = field(default_factory=dict)
    bookings: dict[str, HotelBooking] = field(default_factory=dict)
    by_client_reference: dict[str, str] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:hotelbeds")

    def allotment(self, key: RateKey) -> int:
        """Rooms of the type still free on every night of the stay."""
        return min(
            initial_allotment(self.seed, key.hotel_obj, key.room_obj, day)
            - self.sold.get((key.hotel, key.room, day), 0)
            for day in nights(key.check_in, key.check_out)
        )

    def take(self, key: RateKey) -> None:
        for day in nights(key.check_in, key.check_out):
            slot = (key.hotel, key.room, day)
            self.sold[slot] = self.sold.get(slot, 0) + key.occupancy.rooms

    def give_back(self, key: RateKey) -> None:
        for day in nights(key.check_in, key.check_out):
            slot = (key.hotel, key.room, day)
            self.sold[slot] = max(self.sold.get(slot, 0) - key.occupancy.rooms, 0)

    def new_reference(self) -> str:
        """Hotelbeds references: the office, a dash, seven digits ("102-4391877")."""
        while True:
            reference = f"102-{self.rng.randrange(1_000_000, 9_999_999)}"
            if reference not in self.bookings:
                return reference

    def add(self, booking: HotelBooking) -> None:
        self.bookings[booking.reference] = booking
        self.by_client_reference[booking.client_reference] = booking.reference

    def settle(self, booking: HotelBooking, now: datetime) -> HotelBooking:
        """An on-request booking the hotel has not refused is confirmed once its time comes."""
        if booking.status == "PENDING" and booking.confirm_at is not None and now >= booking.confirm_at:
            booking.status = "CONFIRMED"
        return booking

    def pending_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.on_request_seconds)
