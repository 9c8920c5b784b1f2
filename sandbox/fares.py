"""Fare classes, their seat counts and their prices in IDR, per flight and supplier."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from airports import HUBS, is_trunk
from carriers import CARRIERS
from inventory import Flight, stable_int

CABINS = ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST")
SUPPLIERS = ("amadeus", "duffel")


@dataclass(frozen=True)
class FareClass:
    code: str  # booking class (RBD)
    cabin: str  # ECONOMY | BUSINESS
    brand: str
    multiplier: float
    refundable: bool
    changeable: bool


ECONOMY_LADDER = (
    FareClass("X", "ECONOMY", "PROMO", 1.0, False, False),
    FareClass("V", "ECONOMY", "SAVER", 1.2, False, True),
    FareClass("Q", "ECONOMY", "VALUE", 1.45, True, True),
    FareClass("M", "ECONOMY", "FLEX", 1.8, True, True),
    FareClass("Y", "ECONOMY", "FULL FLEX", 2.3, True, True),
)
BUSINESS_LADDER = (
    FareClass("I", "BUSINESS", "BUSINESS SAVER", 3.0, True, True),
    FareClass("C", "BUSINESS", "BUSINESS FLEX", 3.8, True, True),
)


def fare_ladder(flight: Flight, cabin: str) -> tuple[FareClass, ...]:
    """The classes sold on a flight in a cabin, cheapest first (empty: cabin not offered)."""
    if cabin == "ECONOMY":
        return ECONOMY_LADDER
    if cabin == "BUSINESS" and CARRIERS[flight.carrier].has_business and flight.aircraft != "AT7":
        return BUSINESS_LADDER
    return ()


def fare_class(flight: Flight, code: str) -> FareClass | None:
    for fare in (*ECONOMY_LADDER, *fare_ladder(flight, "BUSINESS")):
        if fare.code == code:
            return fare
    return None


def initial_seats(seed: int, flight: Flight, fare: FareClass) -> int:
    """Seats a class opens with: few in the promo buckets, more in the flexible ones."""
    rng = random.Random(stable_int(seed, "seats", flight.key, fare.code))
    if fare.cabin == "BUSINESS":
        return rng.randint(2, 8)
    low, high = {"X": (1, 6), "V": (2, 9), "Q": (4, 12), "M": (6, 16), "Y": (10, 30)}[fare.code]
    return rng.randint(low, high)


def checked_bag_kg(flight: Flight, fare: FareClass) -> int:
    allowance = CARRIERS[flight.carrier].checked_bag_kg
    if fare.cabin == "BUSINESS":
        return 30
    if fare.code in ("M", "Y"):
        return max(allowance, 20)
    if fare.code == "Q":
        return max(allowance, 15)
    return allowance


@dataclass(frozen=True)
class PaxPrice:
    """One passenger's price on one segment, in whole rupiah."""

    base: int
    taxes: int

    @property
    def total(self) -> int:
        return self.base + self.taxes

    def __add__(self, other: PaxPrice) -> PaxPrice:
        return PaxPrice(self.base + other.base, self.taxes + other.taxes)

    def scaled(self, pct: float) -> PaxPrice:
        if not pct:
            return self
        factor = 1 + pct / 100
        return PaxPrice(_round_thousand(self.base * factor), round(self.taxes * factor))


ZERO = PaxPrice(0, 0)


def segment_price(
    seed: int, supplier: str, flight: Flight, fare: FareClass, pax_type: str, today: date
) -> PaxPrice:
    """Price of one passenger (ADULT | CHILD | HELD_INFANT) on one segment for one supplier."""
    carrier = CARRIERS[flight.carrier]
    day = flight.departure_local.date()
    days_ahead = (day - today).days
    if days_ahead < 3:
        urgency = 1.6
    elif days_ahead < 7:
        urgency = 1.35
    elif days_ahead < 14:
        urgency = 1.15
    elif days_ahead < 30:
        urgency = 1.0
    else:
        urgency = 0.95
    weekday = 1.1 if day.weekday() in (4, 6) else 1.0
    noise = 1 + (stable_int(seed, "noise", flight.key) % 17 - 8) / 100
    # Each supplier's fare filing differs a little: the same flight costs different amounts.
    supplier_factor = 1 + (stable_int(seed, supplier, flight.key) % 9 - 4) / 100
    adult_base = (
        (300_000 + flight.distance_km * 720)
        * carrier.price_factor
        * fare.multiplier
        * urgency
        * weekday
        * noise
        * supplier_factor
    )
    if pax_type == "HELD_INFANT":
        base = _round_thousand(adult_base * 0.1)
        return PaxPrice(base, round(base * 0.11))
    base = _round_thousand(adult_base * (0.75 if pax_type == "CHILD" else 1.0))
    # PPN (11 %) on the fare, the departure airport's passenger service charge, and the
    # Jasa Raharja insurance levy, as Indonesian domestic tickets carry.
    psc = 150_000 if flight.origin.iata in HUBS else (100_000 if is_trunk(flight.origin.iata) else 50_000)
    return PaxPrice(base, round(base * 0.11) + psc + 5_000)


def _round_thousand(value: float) -> int:
    return round(value / 1000.0) * 1000


def money(amount: int) -> str:
    """IDR as the suppliers write it: a decimal string with two places."""
    return f"{amount}.00"
