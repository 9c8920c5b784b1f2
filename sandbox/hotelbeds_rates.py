"""Rates as Hotelbeds sells them: one rate per room type, board and rate class (NOR refundable, NRF
non-refundable) for a stay and an occupancy, each with a rateKey that carries everything needed to
book it again (so checkrates and bookings need no server-side offer store), its cancellation
policies in the hotel's local time, and taxes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hotelbeds_inventory import (
    BOARD_NAMES,
    DESTINATIONS,
    HOTELS,
    Hotel,
    RoomType,
    night_price,
    nights,
)

NRF_DISCOUNT = Decimal("0.90")
# Indonesian hotel tax (PB1, 10 %) and service (about 11 %), included in the net.
TAX_PERCENT = Decimal("21")


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@dataclass(frozen=True)
class Occupancy:
    rooms: int
    adults: int  # in all rooms together, as Hotelbeds counts them
    child_ages: tuple[int, ...]

    @property
    def children(self) -> int:
        return len(self.child_ages)

    def per_room(self) -> tuple[int, int]:
        """Adults and children in the fullest room (guests are spread as evenly as possible)."""
        return -(-self.adults // self.rooms), -(-self.children // self.rooms)

    def fits(self, room: RoomType) -> bool:
        adults, children = self.per_room()
        return (
            adults <= room.max_adults and children <= room.max_children and adults + children <= room.max_pax
        )


@dataclass(frozen=True)
class RateKey:
    check_in: date
    check_out: date
    hotel: int
    room: str
    board: str
    rate_class: str  # NOR | NRF
    occupancy: Occupancy
    net: Decimal  # what the rate cost when the key was made

    def encode(self) -> str:
        ages = ",".join(str(a) for a in self.occupancy.child_ages)
        o = self.occupancy
        return (
            f"{self.check_in:%Y%m%d}|{self.check_out:%Y%m%d}|W|{self.hotel}|{self.room}|{self.board}|"
            f"{self.rate_class}|{o.rooms}~{o.adults}~{o.children}|{ages}|N@{self.net:.2f}"
        )

    @classmethod
    def decode(cls, text: str) -> RateKey | None:
        try:
            ci, co, _, hotel, room, board, rate_class, occ, ages, net = text.split("|")
            rooms, adults, children = (int(part) for part in occ.split("~"))
            child_ages = tuple(int(a) for a in ages.split(",") if a)
            key = cls(
                check_in=datetime.strptime(ci, "%Y%m%d").date(),
                check_out=datetime.strptime(co, "%Y%m%d").date(),
                hotel=int(hotel),
                room=room,
                board=board,
                rate_class=rate_class,
                occupancy=Occupancy(rooms, adults, child_ages),
                net=Decimal(net.removeprefix("N@")),
            )
        except (ValueError, ArithmeticError):
            return None
        if len(child_ages) != children or key.hotel not in HOTELS or key.rate_class not in ("NOR", "NRF"):
            return None
        if key.board not in HOTELS[key.hotel].boards or key.room not in {
            r.code for r in HOTELS[key.hotel].rooms
        }:
            return None
        return key

    @property
    def hotel_obj(self) -> Hotel:
        return HOTELS[self.hotel]

    @property
    def room_obj(self) -> RoomType:
        return next(r for r in self.hotel_obj.rooms if r.code == self.room)


def daily_nets(seed: int, key: RateKey, price_change_pct: float = 0.0) -> list[Decimal]:
    """Each night of the stay for every room at today's price (the knob moves it), rounded to
    Rp 1,000 per night, so the nights add up to the rate's net exactly."""
    adults, children = key.occupancy.per_room()
    factor = Decimal(key.occupancy.rooms) * (NRF_DISCOUNT if key.rate_class == "NRF" else Decimal(1))
    if price_change_pct:
        factor *= Decimal(1) + Decimal(str(price_change_pct)) / 100
    return [
        (
            night_price(seed, key.hotel_obj, key.room_obj, key.board, day, adults, children) * factor / 1000
        ).quantize(Decimal("1"))
        * 1000
        for day in nights(key.check_in, key.check_out)
    ]


def stay_net(seed: int, key: RateKey, price_change_pct: float = 0.0) -> Decimal:
    return sum(daily_nets(seed, key, price_change_pct), Decimal(0))


def first_night(seed: int, key: RateKey, price_change_pct: float = 0.0) -> Decimal:
    return daily_nets(seed, key, price_change_pct)[0]


def cancellation_policies(
    seed: int, key: RateKey, net: Decimal, now: datetime, pct: float = 0.0
) -> list[dict[str, str]]:
    """Hotelbeds lists what cancelling costs from each moment on, in the hotel's local time.
    Refundable: free until `free_cancel_days` before check-in (23:59 the evening before), then one
    night, then from the eve of arrival the full amount. Non-refundable: the full amount from now."""
    tz = DESTINATIONS[key.hotel_obj.destination].tz
    if key.rate_class == "NRF":
        local_now = now.astimezone(tz).replace(second=0, microsecond=0)
        return [{"amount": money(net), "from": local_now.isoformat()}]
    free_until = key.check_in - timedelta(days=key.hotel_obj.free_cancel_days + 1)
    eve = key.check_in - timedelta(days=1)
    one_night = min(first_night(seed, key, pct), net)
    return [
        {"amount": money(one_night), "from": datetime.combine(free_until, time(23, 59), tz).isoformat()},
        {"amount": money(net), "from": datetime.combine(eve, time(23, 59), tz).isoformat()},
    ]


def penalty_at(policies: list[dict[str, Any]], moment: datetime) -> Decimal:
    """What cancelling at `moment` costs: the amount of the last policy already in force."""
    due = Decimal(0)
    for policy in sorted(policies, key=lambda p: datetime.fromisoformat(p["from"])):
        if datetime.fromisoformat(policy["from"]) <= moment:
            due = Decimal(policy["amount"])
    return due


def rate_type(key: RateKey) -> str:
    """Five-star and on-request hotels ask for a checkrates before booking (RECHECK)."""
    hotel = key.hotel_obj
    return "RECHECK" if hotel.stars == 5 or hotel.on_request else "BOOKABLE"


def rate_body(
    seed: int, key: RateKey, allotment: int, now: datetime, price_change_pct: float = 0.0
) -> dict[str, Any]:
    daily = daily_nets(seed, key, price_change_pct)
    net = sum(daily, Decimal(0))
    current = RateKey(
        key.check_in, key.check_out, key.hotel, key.room, key.board, key.rate_class, key.occupancy, net
    )
    tax = (net * TAX_PERCENT / (100 + TAX_PERCENT)).quantize(Decimal("0.01"))
    body: dict[str, Any] = {
        "rateKey": current.encode(),
        "rateClass": key.rate_class,
        "rateType": rate_type(key),
        "net": money(net),
        "allotment": allotment,
        "paymentType": "AT_WEB",
        "packaging": False,
        "boardCode": key.board,
        "boardName": BOARD_NAMES[key.board],
        "cancellationPolicies": cancellation_policies(seed, current, net, now, price_change_pct),
        "taxes": {
            "taxes": [
                {"included": True, "percent": money(TAX_PERCENT), "amount": money(tax), "currency": "IDR"}
            ],
            "allIncluded": True,
        },
        "rooms": key.occupancy.rooms,
        "adults": key.occupancy.adults,
        "children": key.occupancy.children,
        "dailyRates": [{"offset": i + 1, "dailyNet": money(n)} for i, n in enumerate(daily)],
    }
    if key.occupancy.child_ages:
        body["childrenAges"] = ",".join(str(a) for a in key.occupancy.child_ages)
    if key.hotel_obj.on_request:
        body["rateComments"] = "On request: the hotel confirms the booking within 24 hours."
    return body


def hotel_head(hotel: Hotel) -> dict[str, Any]:
    destination = DESTINATIONS[hotel.destination]
    zone = next(z for z in destination.zones if z.code == hotel.zone)
    return {
        "code": hotel.code,
        "name": hotel.name,
        "categoryCode": hotel.category_code,
        "categoryName": hotel.category_name,
        "destinationCode": destination.code,
        "destinationName": destination.name,
        "zoneCode": zone.code,
        "zoneName": zone.name,
        "latitude": hotel.latitude,
        "longitude": hotel.longitude,
    }
