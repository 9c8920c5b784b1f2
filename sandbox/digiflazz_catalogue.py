"""The aggregator's catalogue: prepaid products (pulsa, data, PLN tokens, e-money) and postpaid
billers, the operators' number prefixes, PLN meters and the bills behind postpaid numbers.

Everything is derived from SANDBOX_SEED and the customer number, so a number always shows the same
owner and bill. Prices are whole rupiah, as Digiflazz writes them; they are close to what the
aggregator charged agents in 2025.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date

# The operators' mobile prefixes (0 + the national destination code), as Kominfo allocates them.
OPERATOR_PREFIXES: dict[str, tuple[str, ...]] = {
    "TELKOMSEL": ("0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853"),
    "INDOSAT": ("0814", "0815", "0816", "0855", "0856", "0857", "0858"),
    "XL": ("0817", "0818", "0819", "0859", "0877", "0878"),
    "AXIS": ("0831", "0832", "0833", "0838"),
    "TRI": ("0895", "0896", "0897", "0898", "0899"),
    "SMARTFREN": ("0881", "0882", "0883", "0884", "0885", "0886", "0887", "0888", "0889"),
}


@dataclass(frozen=True)
class Product:
    """One price-list row. `nominal` is the face value in rupiah (credit, token or balance)."""

    sku: str
    name: str
    category: str  # Pulsa | Data | PLN | E-Money
    brand: str
    price: int
    nominal: int = 0
    desc: str = "-"
    buyer_active: bool = True
    seller_active: bool = True
    start_cut_off: str = "0:0"
    end_cut_off: str = "0:0"
    seller_name: str = "TIKETQ SANDBOX"
    type: str = "Umum"


@dataclass(frozen=True)
class Biller:
    """One postpaid price-list row: the admin fee is per bill sheet (lembar)."""

    sku: str
    name: str
    brand: str
    admin: int
    commission: int
    number_length: tuple[int, int]
    desc: str = "-"


def _pulsa(prefix: str, brand: str, prices: dict[int, int]) -> list[Product]:
    label = brand.title() if brand not in {"XL", "TRI"} else brand
    return [
        Product(f"{prefix}{nominal // 1000}", f"{label} {nominal:,}".replace(",", "."), "Pulsa", brand, price,
                nominal, f"Pulsa {label} Rp {nominal:,}".replace(",", "."))
        for nominal, price in prices.items()
    ]  # fmt: skip


def _data(brand: str, rows: list[tuple[str, str, int]]) -> list[Product]:
    return [Product(sku, name, "Data", brand, price, 0, name) for sku, name, price in rows]


PREPAID: tuple[Product, ...] = (
    *_pulsa(
        "tsel",
        "TELKOMSEL",
        {5000: 5435, 10000: 10440, 20000: 20150, 25000: 24975, 50000: 49850, 100000: 98750},
    ),
    *_pulsa(
        "isat", "INDOSAT", {5000: 5780, 10000: 10800, 20000: 20250, 25000: 25100, 50000: 49900, 100000: 98600}
    ),
    *_pulsa("xld", "XL", {5000: 5870, 10000: 10850, 25000: 24950, 50000: 49750, 100000: 98900}),
    *_pulsa("axis", "AXIS", {5000: 5900, 10000: 10870, 25000: 24980, 50000: 49780, 100000: 98950}),
    *_pulsa("tri", "TRI", {5000: 5540, 10000: 10350, 20000: 20050, 50000: 49500, 100000: 98300}),
    *_pulsa("smart", "SMARTFREN", {5000: 5150, 10000: 10050, 20000: 19900, 50000: 49200, 100000: 97900}),
    *_data(
        "TELKOMSEL",
        [
            ("tseld3", "Telkomsel Data 3 GB / 30 Hari", 29800),
            ("tseld8", "Telkomsel Data 8 GB / 30 Hari", 64500),
            ("tseld25", "Telkomsel Combo Sakti 25 GB / 30 Hari", 98500),
        ],
    ),
    *_data(
        "INDOSAT",
        [
            ("isatd7", "Indosat Freedom Internet 7 GB / 30 Hari", 39500),
            ("isatd15", "Indosat Freedom Internet 15 GB / 30 Hari", 64000),
        ],
    ),
    *_data(
        "XL",
        [
            ("xldc10", "XL Xtra Combo Flex M 10 GB / 30 Hari", 58900),
            ("xldh6", "XL Xtra Hotrod 6 GB / 30 Hari", 35500),
        ],
    ),
    *_data(
        "AXIS",
        [
            ("axisb2", "AXIS Bronet 2 GB / 30 Hari", 22400),
            ("axisb8", "AXIS Bronet 8 GB / 60 Hari", 52600),
        ],
    ),
    *_data(
        "TRI",
        [
            ("trid6", "Tri AlwaysOn 6 GB / 30 Hari", 29500),
            ("trid18", "Tri Happy 18 GB / 30 Hari", 54000),
        ],
    ),
    *_data(
        "SMARTFREN",
        [
            ("smartu", "Smartfren Unlimited Nonstop 6 GB / 28 Hari", 36900),
            ("smartd12", "Smartfren Kuota 12 GB / 30 Hari", 49900),
        ],
    ),
    *(
        Product(
            f"pln{n // 1000}",
            f"PLN {n:,}".replace(",", "."),
            "PLN",
            "PLN",
            n + 150,
            n,
            f"Token PLN Rp {n:,}, nomor meter / ID pelanggan".replace(",", "."),
        )
        for n in (20000, 50000, 100000, 200000, 500000, 1000000)
    ),
    *(
        Product(
            f"{code}{n // 1000}",
            f"{brand.title()} {n:,}".replace(",", "."),
            "E-Money",
            brand,
            n + fee,
            n,
            f"Top up saldo {brand.title()} Rp {n:,}".replace(",", "."),
        )
        for code, brand, fee in (
            ("gopay", "GO PAY", 1150),
            ("ovo", "OVO", 1250),
            ("dana", "DANA", 1000),
            ("shopee", "SHOPEE PAY", 1100),
        )
        for n in (20000, 50000, 100000)
    ),
    # Rows the catalogue must not offer: switched off by us (the buyer), switched off by the
    # seller (disruption), and one that is always inside its daily cut-off window.
    Product("tsel150", "Telkomsel 150.000", "Pulsa", "TELKOMSEL", 147900, 150000, buyer_active=False),
    Product(
        "isatd50", "Indosat Freedom Internet 50 GB / 30 Hari", "Data", "INDOSAT", 119000, seller_active=False
    ),
    Product("xld200", "XL 200.000", "Pulsa", "XL", 196500, 200000, start_cut_off="0:0", end_cut_off="23:59"),
)

POSTPAID: tuple[Biller, ...] = (
    Biller("pln", "PLN Pascabayar", "PLN PASCABAYAR", 2500, 1000, (11, 12)),
    Biller("bpjs", "BPJS Kesehatan", "BPJS KESEHATAN", 2500, 1200, (13, 16)),
    Biller("pdam", "PDAM Tirtawening Kota Bandung", "PDAM", 2500, 800, (6, 12)),
    Biller("telkom", "Telkom / IndiHome", "TELKOMSEL OMNI", 2500, 1000, (9, 13)),
)

PREPAID_BY_SKU = {p.sku: p for p in PREPAID}
POSTPAID_BY_SKU = {b.sku: b for b in POSTPAID}

_NAMES = (
    "BUDI SANTOSO", "SITI RAHAYU", "AGUS SETIAWAN", "DEWI LESTARI", "I WAYAN SUDARSANA",
    "RINA WULANDARI", "ANDI PRATAMA", "NURHAYATI", "HENDRA GUNAWAN", "PUTU AYU MAHENDRA",
    "RUDI HARTONO", "YULIANA SARI", "MUHAMMAD RIZKI", "FITRIANI", "SLAMET RIYADI",
)  # fmt: skip
# PLN household tariffs (rupiah per kWh, before the street-lighting tax) by segment and power (VA).
_POWERS = (("R1", 900, 1352), ("R1", 1300, 1444.70), ("R1", 2200, 1444.70), ("R2", 3500, 1699.53),
           ("R3", 6600, 1699.53))  # fmt: skip


def operator_of(number: str) -> str | None:
    """The operator a local number (08…) belongs to, by its four-digit prefix."""
    return next((op for op, prefixes in OPERATOR_PREFIXES.items() if number[:4] in prefixes), None)


def local_number(customer_no: str) -> str:
    """+62812… and 62812… → 0812…; anything else is returned as it came."""
    text = customer_no.strip()
    if text.startswith("+62"):
        return "0" + text[3:]
    if text.startswith("62"):
        return "0" + text[2:]
    return text


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Meter:
    customer_no: str
    meter_no: str
    subscriber_id: str
    name: str
    segment: str
    power: int
    tariff: float

    @property
    def segment_power(self) -> str:
        return f"{self.segment} /{self.power:09d}"


def meter(seed: int, customer_no: str) -> Meter | None:
    """A prepaid meter: 11 digits (meter number) or 12 (customer id). Numbers starting with 9
    do not exist, so the unknown-meter answer can be shown."""
    if not customer_no.isdigit() or len(customer_no) not in (11, 12) or customer_no.startswith("9"):
        return None
    rng = _rng(seed, "meter", customer_no)
    segment, power, tariff = rng.choice(_POWERS)
    meter_no = customer_no if len(customer_no) == 11 else f"{rng.randrange(10**10, 10**11)}"
    subscriber = customer_no if len(customer_no) == 12 else f"5{rng.randrange(10**10, 10**11)}"
    return Meter(customer_no, meter_no, subscriber, rng.choice(_NAMES), segment, power, tariff)


def pln_token(seed: int, ref_id: str) -> str:
    return "".join(str(_rng(seed, "token", ref_id).randrange(10)) for _ in range(20))


def kwh(meter: Meter, nominal: int) -> str:
    """kWh bought: the nominal less the 10 % street-lighting tax (PPJ), at the meter's tariff."""
    return f"{nominal / 1.1 / meter.tariff:.1f}"


@dataclass(frozen=True)
class BillPeriod:
    period: str  # YYYYMM
    amount: int
    penalty: int


@dataclass(frozen=True)
class Bill:
    customer_no: str
    name: str
    periods: tuple[BillPeriod, ...]
    extra: dict[str, str]

    @property
    def bill_total(self) -> int:
        return sum(p.amount + p.penalty for p in self.periods)


def bill(seed: int, biller: Biller, customer_no: str, today: date) -> Bill | None:
    """The open bill of a postpaid customer. By the number's last digit: 1 → no bill yet (rc 60);
    6 → two unpaid months with a late penalty (denda) each; 7 → three; otherwise this month only."""
    if customer_no.endswith("1"):
        return None
    rng = _rng(seed, "bill", biller.sku, customer_no)
    months = {"6": 2, "7": 3}.get(customer_no[-1], 1)
    extra: dict[str, str] = {}
    if biller.sku == "pln":
        segment, power, _ = rng.choice(_POWERS)
        extra = {"tarif": segment, "daya": str(power)}
    members = rng.randint(1, 5)
    if biller.sku == "bpjs":
        extra = {"jumlah_peserta": str(members), "alamat": "JAKARTA PUSAT"}
    periods = []
    for back in range(months, 0, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        if biller.sku == "bpjs":
            amount = rng.choice((42000, 100000, 150000)) * members  # class III, II, I premium per person
        else:
            low, high = {"pln": (85, 900), "pdam": (40, 350), "telkom": (180, 650)}[biller.sku]
            amount = rng.randint(low, high) * 1000 + rng.choice((0, 250, 500, 750))
        # Every month older than the newest unpaid one carries a late penalty (denda) per month late.
        penalty = _LATE_FEE[biller.sku] * (back - 1)
        periods.append(BillPeriod(f"{year}{month + 1:02d}", amount, penalty))
    return Bill(customer_no, rng.choice(_NAMES), tuple(periods), extra)


_LATE_FEE = {"pln": 5000, "bpjs": 0, "pdam": 3000, "telkom": 2500}
