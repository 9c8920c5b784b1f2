"""The ferry operator's network: real ports, crossings with their real durations and timetables,
vessels, service classes and the regulator's fares per passenger type and vehicle golongan.

Fares are in IDR. Where the regulator's published figure is known it is used as is (Merak–
Bakauheni regular 2023, Ketapang–Gilimanuk 2024); the other figures are derived from a route's
adult fare with Merak–Bakauheni's ratios (docs/providers.md lists which is which)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"


@dataclass(frozen=True)
class Port:
    code: str
    name: str
    city: str
    province: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


PORTS: dict[str, Port] = {
    p.code: p
    for p in (
        Port("MRK", "Pelabuhan Merak", "Cilegon", "Banten", WIB),
        Port("BKH", "Pelabuhan Bakauheni", "Lampung Selatan", "Lampung", WIB),
        Port("KTP", "Pelabuhan Ketapang", "Banyuwangi", "Jawa Timur", WIB),
        Port("GLM", "Pelabuhan Gilimanuk", "Jembrana", "Bali", WITA),
        Port("PDB", "Pelabuhan Padangbai", "Karangasem", "Bali", WITA),
        Port("LBR", "Pelabuhan Lembar", "Lombok Barat", "Nusa Tenggara Barat", WITA),
        Port("KYG", "Pelabuhan Kayangan", "Lombok Timur", "Nusa Tenggara Barat", WITA),
        Port("PTN", "Pelabuhan Poto Tano", "Sumbawa Barat", "Nusa Tenggara Barat", WITA),
        Port("TPK", "Pelabuhan Tanjung Perak", "Surabaya", "Jawa Timur", WIB),
        Port("KML", "Pelabuhan Kamal", "Bangkalan", "Jawa Timur", WIB),
    )
}

# Golongan: what it is and how many lane metres of vehicle deck it takes (length plus the gap
# the loading crew leaves), and how many people ride inside it for its fare (driver included).
VEHICLE_CLASSES: dict[str, tuple[str, Decimal, int]] = {
    "I": ("bicycle", Decimal("1.5"), 1),
    "II": ("motorbike under 500 cc", Decimal("2.5"), 1),
    "III": ("motorbike 500 cc and over", Decimal("3.0"), 1),
    "IVA": ("car up to 5 m", Decimal("5.5"), 7),
    "IVB": ("goods vehicle up to 5 m", Decimal("5.5"), 2),
    "VA": ("bus 5 to 7 m", Decimal("7.5"), 40),
    "VB": ("truck 5 to 7 m", Decimal("7.5"), 2),
    "VIA": ("bus 7 to 10 m", Decimal("10.5"), 60),
    "VIB": ("truck 7 to 10 m", Decimal("10.5"), 2),
    "VII": ("truck 10 to 12 m", Decimal("12.5"), 2),
    "VIII": ("truck 12 to 16 m", Decimal("16.5"), 2),
    "IX": ("truck over 16 m", Decimal("21.0"), 2),
}

REGULAR, EXECUTIVE = "regular", "executive"

# Merak–Bakauheni regular, 2023, as the regulator published it (IDR, per crossing).
MERAK_BAKAUHENI: dict[str, int] = {
    "adult": 22_700,
    "I": 26_500,
    "II": 62_100,
    "III": 133_000,
    "IVA": 481_800,
    "IVB": 447_800,
    "VA": 963_800,
    "VB": 835_300,
    "VIA": 1_594_800,
}
# Classes the 2023 table above does not list, from the same tariff's length steps.
MERAK_BAKAUHENI_EXTRA: dict[str, int] = {
    "VIB": 1_362_100,
    "VII": 1_918_700,
    "VIII": 2_848_300,
    "IX": 4_314_900,
}


def _round100(value: Decimal) -> int:
    return int((value / 100).quantize(Decimal(1)) * 100)


def scaled_table(adult: int, known: dict[str, int] | None = None) -> dict[str, int]:
    """A full fare table for a route whose adult fare is `adult`, keeping any published figures."""
    base = {**MERAK_BAKAUHENI, **MERAK_BAKAUHENI_EXTRA}
    ratio = Decimal(adult) / Decimal(base["adult"])
    table = {name: _round100(Decimal(value) * ratio) for name, value in base.items()}
    table.update(known or {})
    table["adult"] = adult
    return table


def with_passenger_types(table: dict[str, int]) -> dict[str, int]:
    """Children (2–11) pay 80 % of the adult fare and infants (under 2, on a lap) 10 %: the
    regulator publishes adult fares only; these shares are the operator's own."""
    out = dict(table)
    out["child"] = _round100(Decimal(table["adult"]) * Decimal("0.8"))
    out["infant"] = _round100(Decimal(table["adult"]) * Decimal("0.1"))
    return out


@dataclass(frozen=True)
class ServiceClass:
    name: str  # regular | executive
    duration_minutes: int
    every_minutes: int
    first_departure_minute: int  # minutes after local midnight of the day's first sailing
    seats: int
    lane_meters: int
    fares: dict[str, int]
    vessels: tuple[str, ...]


@dataclass(frozen=True)
class Crossing:
    """One direction of a route."""

    origin: Port
    destination: Port
    operator: str
    classes: tuple[ServiceClass, ...]

    @property
    def code(self) -> str:
        return f"{self.origin.code}{self.destination.code}"

    def service_class(self, name: str) -> ServiceClass | None:
        return next((c for c in self.classes if c.name == name), None)


ASDP = "PT ASDP Indonesia Ferry (Persero)"
MB_EXECUTIVE = with_passenger_types(
    {name: _round100(Decimal(v) * Decimal("1.6")) for name, v in scaled_table(22_700).items()}
    | {"adult": 65_000}
)

_ROUTES: tuple[tuple[str, str, str, tuple[ServiceClass, ...]], ...] = (
    (
        "MRK",
        "BKH",
        ASDP,
        (
            ServiceClass(
                REGULAR,
                150,
                60,
                0,
                500,
                300,
                with_passenger_types(scaled_table(22_700, MERAK_BAKAUHENI)),
                ("KMP Portlink III", "KMP Legundi", "KMP Jatra I", "KMP Sebuku", "KMP Batumandi"),
            ),
            ServiceClass(
                EXECUTIVE,
                75,
                120,
                30,
                400,
                250,
                MB_EXECUTIVE,
                ("KMP Portlink V", "KMP Jatra III"),
            ),
        ),
    ),
    (
        "KTP",
        "GLM",
        ASDP,
        (
            ServiceClass(
                REGULAR,
                45,
                60,
                15,
                300,
                180,
                with_passenger_types(scaled_table(11_100, {"II": 33_100, "IVA": 225_000})),
                ("KMP Gilimanuk I", "KMP Trisna Dwitya", "KMP Rajawali Nusantara"),
            ),
        ),
    ),
    (
        "PDB",
        "LBR",
        ASDP,
        (
            ServiceClass(
                REGULAR,
                270,
                120,
                0,
                450,
                280,
                with_passenger_types(scaled_table(46_000)),
                ("KMP Legundi II", "KMP Nusa Bhakti", "KMP Kerapu I"),
            ),
        ),
    ),
    (
        "KYG",
        "PTN",
        ASDP,
        (
            ServiceClass(
                REGULAR,
                100,
                90,
                0,
                350,
                220,
                with_passenger_types(scaled_table(21_500)),
                ("KMP Ranaka", "KMP Kalibodri", "KMP Cakalang"),
            ),
        ),
    ),
    (
        "TPK",
        "KML",
        "PT Dharma Lautan Utama",
        (
            ServiceClass(
                REGULAR,
                40,
                180,
                60,
                200,
                90,
                with_passenger_types(scaled_table(6_000)),
                ("KMP Jokotole", "KMP Tongkol"),
            ),
        ),
    ),
)


def _crossings() -> dict[str, Crossing]:
    out: dict[str, Crossing] = {}
    for a, b, operator, classes in _ROUTES:
        for origin, destination in ((a, b), (b, a)):
            crossing = Crossing(PORTS[origin], PORTS[destination], operator, classes)
            out[crossing.code] = crossing
    return out


CROSSINGS: dict[str, Crossing] = _crossings()
PASSENGER_TYPES = ("adult", "child", "infant")


def crossing(origin: str, destination: str) -> Crossing | None:
    return CROSSINGS.get(f"{origin}{destination}")
