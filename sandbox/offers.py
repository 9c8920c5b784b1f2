"""Supplier-neutral quotes: which fare class each segment sells for a party, and the price.
Both supplier routers build their own wire shapes from a Quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fares import ZERO, FareClass, PaxPrice, fare_class, fare_ladder, segment_price
from holds import Claim, SeatBook
from inventory import Itinerary

JAKARTA = ZoneInfo("Asia/Jakarta")
MAX_SEATS_SHOWN = 9  # GDSs never show more than 9 bookable seats


def today_in_indonesia(now: datetime) -> date:
    return now.astimezone(JAKARTA).date()


@dataclass(frozen=True)
class Party:
    adults: int
    children: int = 0
    infants: int = 0

    @property
    def seats(self) -> int:
        """Infants sit on a lap."""
        return self.adults + self.children

    @property
    def types(self) -> list[str]:
        return ["ADULT"] * self.adults + ["CHILD"] * self.children + ["HELD_INFANT"] * self.infants


@dataclass(frozen=True)
class Quote:
    supplier: str
    itineraries: tuple[Itinerary, ...]
    claims: tuple[tuple[Claim, ...], ...]  # per itinerary, per segment
    party: Party
    price_by_type: dict[str, PaxPrice]  # one passenger of each type, whole journey
    bookable_seats: int

    @property
    def all_claims(self) -> list[Claim]:
        return [c for leg in self.claims for c in leg]

    @property
    def total(self) -> PaxPrice:
        out = ZERO
        for pax_type in self.party.types:
            out = out + self.price_by_type[pax_type]
        return out

    @property
    def key(self) -> str:
        return "|".join(c.bucket for c in self.all_claims) + f"|{self.party}"


def quote(
    *,
    seed: int,
    supplier: str,
    seats: SeatBook,
    itineraries: tuple[Itinerary, ...],
    cabin: str,
    party: Party,
    today: date,
    classes: list[list[str]] | None = None,
    price_change_pct: float = 0.0,
) -> Quote | None:
    """The cheapest class with room for the party on every segment (or the given classes);
    None when a segment has no such class left."""
    claims: list[tuple[Claim, ...]] = []
    left: list[int] = []
    for i, itinerary in enumerate(itineraries):
        leg: list[Claim] = []
        for j, flight in enumerate(itinerary.flights):
            candidates: tuple[FareClass, ...]
            if classes is not None:
                fare = fare_class(flight, classes[i][j])
                candidates = (fare,) if fare is not None else ()
            else:
                candidates = fare_ladder(flight, cabin)
            chosen = None
            for fare in candidates:
                claim = Claim(flight, fare)
                if seats.remaining(claim) >= party.seats:
                    chosen = claim
                    break
            if chosen is None:
                return None
            leg.append(chosen)
            left.append(seats.remaining(chosen))
        claims.append(tuple(leg))
    prices: dict[str, PaxPrice] = {}
    for pax_type in set(party.types):
        total = ZERO
        for leg_claims in claims:
            for claim in leg_claims:
                total = total + segment_price(seed, supplier, claim.flight, claim.fare, pax_type, today)
        prices[pax_type] = total.scaled(price_change_pct)
    return Quote(
        supplier=supplier,
        itineraries=itineraries,
        claims=tuple(claims),
        party=party,
        price_by_type=prices,
        bookable_seats=min([MAX_SEATS_SHOWN, *left]),
    )


def combine(
    outbound: list[Quote], inbound: list[Quote] | None, limit: int
) -> list[tuple[Quote, Quote | None]]:
    """One-way: each quote; round trip: the cheapest pairs of an outbound and a return."""
    if inbound is None:
        pairs: list[tuple[Quote, Quote | None]] = [(q, None) for q in outbound]
    else:
        best_out = sorted(outbound, key=lambda q: q.total.total)[:12]
        best_in = sorted(inbound, key=lambda q: q.total.total)[:12]
        pairs = [(o, r) for o in best_out for r in best_in]
    pairs.sort(key=lambda p: (p[0].total.total + (p[1].total.total if p[1] else 0), p[0].key))
    return pairs[:limit]
