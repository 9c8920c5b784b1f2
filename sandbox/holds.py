"""Seat accounting and the hold lifecycle, shared by both suppliers (they sell the same airline
inventory, so a hold on one takes the seat from the other too)."""

from __future__ import annotations

import asyncio
import random
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fares import FareClass, initial_seats
from inventory import Flight

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Claim:
    """Seats of one fare class on one flight."""

    flight: Flight
    fare: FareClass

    @property
    def bucket(self) -> str:
        return f"{self.flight.key}/{self.fare.code}"


class SeatBook:
    """Remaining seats per fare bucket, created lazily from SANDBOX_SEED."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._remaining: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def remaining(self, claim: Claim) -> int:
        key = claim.bucket
        if key not in self._remaining:
            self._remaining[key] = initial_seats(self.seed, claim.flight, claim.fare)
        return self._remaining[key]

    async def reserve(self, claims: list[Claim], seats: int) -> bool:
        """Takes `seats` in every bucket or in none. One asyncio.Lock per bucket, taken in a fixed
        order, so two holds racing for the last seat are serialised and exactly one wins."""
        buckets = sorted({c.bucket: c for c in claims}.items())
        locks = [self._locks.setdefault(key, asyncio.Lock()) for key, _ in buckets]
        for lock in locks:
            await lock.acquire()
        try:
            if any(self.remaining(c) < seats for _, c in buckets):
                return False
            for key, _ in buckets:
                self._remaining[key] -= seats
            return True
        finally:
            for lock in reversed(locks):
                lock.release()

    def release(self, claims: list[Claim], seats: int) -> None:
        for key in {c.bucket for c in claims}:
            self._remaining[key] = self._remaining.get(key, 0) + seats


HELD, ISSUED, CANCELLED, EXPIRED = "held", "issued", "cancelled", "expired"


@dataclass
class Hold:
    id: str
    supplier: str
    reference: str  # the PNR / booking reference
    claims: list[Claim]
    seats: int
    total: int
    created_at: datetime
    expires_at: datetime
    status: str = HELD
    tickets: list[dict[str, str]] = field(default_factory=list)
    issued_at: datetime | None = None
    cancelled_at: datetime | None = None
    body: dict[str, Any] = field(default_factory=dict)  # the supplier-shaped order, kept for GET


class HoldBook:
    """Holds by id. Expiry is checked lazily: whenever a hold is read, and before any search
    (so expired seats are for sale again), a hold past its deadline expires and frees its seats."""

    def __init__(self, seats: SeatBook, ttl: timedelta, seed: int, clock: Clock = utc_now) -> None:
        self.seats = seats
        self.ttl = ttl
        self.clock = clock
        # Inventory follows SANDBOX_SEED; order ids, PNRs and ticket numbers must not: a real supplier
        # never hands out the same order id twice, even after this process restarts.
        self.rng = random.Random(f"{seed}:{secrets.token_hex(16)}")
        self._holds: dict[str, Hold] = {}

    def token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def pnr(self) -> str:
        return self.token(6, string.ascii_uppercase + string.digits)

    async def create(
        self, hold_id: str, supplier: str, claims: list[Claim], seats: int, total: int
    ) -> Hold | None:
        """A new hold, or None when a bucket lacks the seats."""
        self.sweep()
        if not await self.seats.reserve(claims, seats):
            return None
        now = self.clock()
        hold = Hold(
            id=hold_id,
            supplier=supplier,
            reference=self.pnr(),
            claims=claims,
            seats=seats,
            total=total,
            created_at=now,
            expires_at=now + self.ttl,
        )
        self._holds[hold_id] = hold
        return hold

    def get(self, hold_id: str, supplier: str) -> Hold | None:
        hold = self._holds.get(hold_id)
        if hold is None or hold.supplier != supplier:
            return None
        self._expire_if_due(hold)
        return hold

    def sweep(self) -> None:
        for hold in list(self._holds.values()):
            self._expire_if_due(hold)

    def issue(self, hold: Hold, ticket_prefixes: list[str], traveler_ids: list[str]) -> None:
        """Turns a live hold into tickets: one 13-digit number per passenger."""
        assert hold.status == HELD
        hold.status = ISSUED
        hold.issued_at = self.clock()
        hold.tickets = [
            {"traveler_id": tid, "number": ticket_prefixes[0] + self.token(10, string.digits)}
            for tid in traveler_ids
        ]

    def cancel(self, hold: Hold) -> None:
        """A held order is released; an issued one is voided (its tickets with it). Either way the
        seats return to inventory."""
        if hold.status in (HELD, ISSUED):
            self.seats.release(hold.claims, hold.seats)
            hold.status = CANCELLED
            hold.cancelled_at = self.clock()

    def _expire_if_due(self, hold: Hold) -> None:
        if hold.status == HELD and self.clock() >= hold.expires_at:
            hold.status = EXPIRED
            self.seats.release(hold.claims, hold.seats)
