"""The Hotelbeds-shaped supplier's seeded inventory: destinations and zones in Indonesia, hotels with
star ratings, coordinates and rooms, and the rules that make a night's price and a room's allotment
from SANDBOX_SEED and the date. Nothing here is random at run time: one seed value gives the same
hotels, prices and allotments."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")


@dataclass(frozen=True)
class Zone:
    code: int
    name: str


@dataclass(frozen=True)
class Destination:
    code: str
    name: str
    tz: timezone
    zones: tuple[Zone, ...]


@dataclass(frozen=True)
class RoomType:
    code: str
    name: str
    max_adults: int
    max_children: int
    max_pax: int
    factor: Decimal  # of the hotel's base night


@dataclass(frozen=True)
class Hotel:
    code: int
    name: str
    stars: int
    destination: str
    zone: int
    address: str
    latitude: str
    longitude: str
    base_night: Decimal  # a standard room, room only, a weekday outside high season
    boards: tuple[str, ...]
    rooms: tuple[RoomType, ...]
    free_cancel_days: int  # refundable rates cancel free until this many days before check-in
    on_request: bool = False  # the hotelier confirms bookings by hand, later

    @property
    def category_code(self) -> str:
        return f"{self.stars}EST"

    @property
    def category_name(self) -> str:
        return f"{self.stars} STARS"


DESTINATIONS: dict[str, Destination] = {
    d.code: d
    for d in (
        Destination(
            "DPS",
            "Bali",
            WITA,
            (Zone(1, "Kuta"), Zone(2, "Seminyak"), Zone(3, "Nusa Dua"), Zone(4, "Ubud")),
        ),
        Destination("JKT", "Jakarta", WIB, (Zone(1, "Central Jakarta"), Zone(2, "South Jakarta"))),
        Destination("JOG", "Yogyakarta", WIB, (Zone(1, "Malioboro"), Zone(2, "Prawirotaman"))),
        Destination("BDO", "Bandung", WIB, (Zone(1, "Dago"), Zone(2, "Braga"))),
        Destination("LOP", "Lombok", WITA, (Zone(1, "Senggigi"), Zone(2, "Kuta Lombok"))),
        Destination("LBJ", "Labuan Bajo", WITA, (Zone(1, "Labuan Bajo Town"), Zone(2, "Waecicu"))),
        Destination("SUB", "Surabaya", WIB, (Zone(1, "Tunjungan"), Zone(2, "Gubeng"))),
    )
}

STANDARD = RoomType("DBL.ST", "DOUBLE STANDARD", 2, 1, 3, Decimal("1.00"))
TWIN = RoomType("TWN.ST", "TWIN STANDARD", 2, 1, 3, Decimal("1.00"))
DELUXE = RoomType("DBL.DX", "DOUBLE DELUXE", 2, 2, 4, Decimal("1.35"))
FAMILY = RoomType("FAM.ST", "FAMILY ROOM", 3, 2, 5, Decimal("1.60"))
SUITE = RoomType("SUI.ST", "SUITE", 2, 2, 4, Decimal("2.10"))
VILLA = RoomType("VIL.PL", "VILLA POOL", 2, 2, 4, Decimal("2.60"))

BOARD_NAMES = {"RO": "ROOM ONLY", "BB": "BED AND BREAKFAST", "HB": "HALF BOARD"}
# Per adult per night; a child pays half.
BOARD_SUPPLEMENT = {"RO": Decimal("0"), "BB": Decimal("125000"), "HB": Decimal("310000")}

# code | name | stars | destination | zone | address | latitude | longitude | base night (IDR) |
# boards | room types | free cancellation days | on request
HOTEL_TABLE = """
612001|Ubud Hanging Gardens Retreat|5|DPS|4|Jl. Raya Desa Buahan, Payangan, Ubud|-8.4227|115.2512|4850000|RO BB HB|DBL.DX SUI.ST VIL.PL|7|
612002|Alaya Ubud Sawah|4|DPS|4|Jl. Hanoman, Ubud|-8.5148|115.2646|1650000|RO BB HB|DBL.ST DBL.DX FAM.ST|3|
612003|Pondok Bambu Ubud|3|DPS|4|Jl. Monkey Forest No. 55, Ubud|-8.5124|115.2608|650000|RO BB|DBL.ST TWN.ST FAM.ST|2|
612004|Villa Tegallalang Terraces|4|DPS|4|Jl. Raya Tegallalang, Ubud|-8.4335|115.2790|2900000|BB HB|VIL.PL|14|on request
612011|Seminyak Beach Kayu Resort|5|DPS|2|Jl. Kayu Aya No. 9, Seminyak|-8.6900|115.1552|3950000|RO BB HB|DBL.DX SUI.ST VIL.PL|5|
612012|Petitenget Garden Hotel|4|DPS|2|Jl. Petitenget No. 40, Seminyak|-8.6791|115.1569|1250000|RO BB|DBL.ST DBL.DX|3|
612021|Kuta Paradiso Beach Hotel|4|DPS|1|Jl. Pantai Kuta No. 1, Kuta|-8.7186|115.1686|1100000|RO BB HB|DBL.ST TWN.ST FAM.ST|2|
612022|Poppies Lane Inn|3|DPS|1|Poppies Lane II, Kuta|-8.7166|115.1724|520000|RO BB|DBL.ST TWN.ST|1|
612031|Nusa Dua Samudra Resort|5|DPS|3|Kawasan ITDC Lot N-3, Nusa Dua|-8.7963|115.2316|3600000|RO BB HB|DBL.DX FAM.ST SUI.ST|7|
613001|Hotel Indonesia Thamrin|5|JKT|1|Jl. M.H. Thamrin No. 1, Jakarta Pusat|-6.1951|106.8231|2450000|RO BB|DBL.DX SUI.ST|2|
613002|Sudirman Central Hotel|4|JKT|2|Jl. Jend. Sudirman Kav. 52-53, Jakarta Selatan|-6.2253|106.8099|1150000|RO BB|DBL.ST TWN.ST DBL.DX|1|
613003|Kemang Urban Stay|3|JKT|2|Jl. Kemang Raya No. 8, Jakarta Selatan|-6.2603|106.8137|610000|RO BB|DBL.ST TWN.ST|1|
614001|Malioboro Heritage Hotel|4|JOG|1|Jl. Malioboro No. 60, Yogyakarta|-7.7926|110.3658|890000|RO BB HB|DBL.ST DBL.DX FAM.ST|2|
614002|Prawirotaman Joglo Guesthouse|3|JOG|2|Jl. Prawirotaman I No. 12, Yogyakarta|-7.8195|110.3684|420000|RO BB|DBL.ST TWN.ST|1|
615001|Dago Highland Resort|4|BDO|1|Jl. Ir. H. Juanda No. 381, Bandung|-6.8722|107.6195|980000|RO BB HB|DBL.ST DBL.DX FAM.ST|2|
615002|Braga Art Deco Hotel|3|BDO|2|Jl. Braga No. 28, Bandung|-6.9175|107.6092|560000|RO BB|DBL.ST TWN.ST|1|
616001|Senggigi Sunset Resort|4|LOP|1|Jl. Raya Senggigi Km. 8, Lombok Barat|-8.4886|116.0426|1350000|RO BB HB|DBL.ST DBL.DX VIL.PL|5|
616002|Mandalika Bay Bungalows|3|LOP|2|Jl. Pariwisata Pantai Kuta, Lombok Tengah|-8.8938|116.2792|690000|RO BB|DBL.ST FAM.ST|3|
617001|Komodo Bay Cliff Resort|5|LBJ|2|Pantai Waecicu, Labuan Bajo|-8.4870|119.8760|4200000|BB HB|DBL.DX SUI.ST VIL.PL|14|
617002|Bajo Harbour Hotel|3|LBJ|1|Jl. Soekarno Hatta, Labuan Bajo|-8.4966|119.8877|750000|RO BB|DBL.ST TWN.ST|2|
618001|Tunjungan Majapahit Hotel|5|SUB|1|Jl. Tunjungan No. 65, Surabaya|-7.2605|112.7389|1800000|RO BB|DBL.DX SUI.ST|2|
618002|Gubeng Station Hotel|3|SUB|2|Jl. Raya Gubeng No. 21, Surabaya|-7.2655|112.7510|480000|RO BB|DBL.ST TWN.ST|1|
"""  # noqa: E501 - one hotel per row reads better than wrapped rows
ROOM_TYPES = {r.code: r for r in (STANDARD, TWIN, DELUXE, FAMILY, SUITE, VILLA)}


def _hotel(row: str) -> Hotel:
    code, name, stars, dest, zone, address, lat, lon, base, boards, rooms, free_days, flag = row.split("|")
    return Hotel(
        code=int(code),
        name=name,
        stars=int(stars),
        destination=dest,
        zone=int(zone),
        address=address,
        latitude=lat,
        longitude=lon,
        base_night=Decimal(base),
        boards=tuple(boards.split()),
        rooms=tuple(ROOM_TYPES[r] for r in rooms.split()),
        free_cancel_days=int(free_days),
        on_request=flag == "on request",
    )


HOTELS: dict[int, Hotel] = {h.code: h for h in (_hotel(row) for row in HOTEL_TABLE.strip().splitlines())}

ONE_THOUSAND = Decimal("1000")


def _unit(seed: int, *parts: object) -> float:
    """A number in [0, 1) that depends only on `seed` and the parts."""
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def high_season(day: date) -> bool:
    """School holidays and the year-end peak, when Indonesian hotels charge the most."""
    return day.month in (7, 8) or (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 5)


def night_price(
    seed: int, hotel: Hotel, room: RoomType, board: str, day: date, adults: int, children: int
) -> Decimal:
    """One room for one night: the room's price for the date, plus the board for its guests.
    Weekends (Friday and Saturday nights) cost 15 % more, the high season 30 % more, and a small
    seeded wobble per date keeps neighbouring nights from looking identical."""
    price = hotel.base_night * room.factor
    if day.weekday() in (4, 5):
        price *= Decimal("1.15")
    if high_season(day):
        price *= Decimal("1.30")
    price *= Decimal(str(round(0.95 + 0.1 * _unit(seed, hotel.code, room.code, day), 3)))
    price += BOARD_SUPPLEMENT[board] * (Decimal(adults) + Decimal(children) / 2)
    return (price / ONE_THOUSAND).quantize(Decimal("1"), ROUND_HALF_UP) * ONE_THOUSAND


def initial_allotment(seed: int, hotel: Hotel, room: RoomType, day: date) -> int:
    """Rooms of this type the hotel still sells for the night: 1–6."""
    return 1 + int(_unit(seed, "allotment", hotel.code, room.code, day) * 6)


def hotels_in(destination: str, zone: int | None = None) -> list[Hotel]:
    return [h for h in HOTELS.values() if h.destination == destination and (zone is None or h.zone == zone)]


def nights(check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=i) for i in range((check_out - check_in).days)]
