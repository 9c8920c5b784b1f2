"""Everything the sandbox keeps in memory, built once per app and rebuilt by /sandbox/reset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from digiflazz_state import DigiflazzState
from ferry_operator import FerryOperator
from holds import Clock, HoldBook, SeatBook, utc_now
from hotelbeds_state import HotelbedsBook
from inventory import Inventory
from knobs import KnobBoard, Knobs
from midtrans_state import MidtransState
from offers import today_in_indonesia
from xendit_state import XenditState

from config import Settings


@dataclass
class SandboxState:
    settings: Settings
    inventory: Inventory
    knobs: KnobBoard
    clock: Clock = utc_now
    seats: SeatBook = field(init=False)
    holds: HoldBook = field(init=False)
    amadeus_tokens: dict[str, datetime] = field(default_factory=dict)
    duffel_offers: dict[str, Any] = field(default_factory=dict)
    duffel_cancellations: dict[str, dict[str, Any]] = field(default_factory=dict)
    midtrans: MidtransState = field(init=False)
    hotelbeds: HotelbedsBook = field(init=False)
    digiflazz: DigiflazzState = field(init=False)
    ferry: FerryOperator = field(init=False)
    xendit: XenditState = field(init=False)

    def __post_init__(self) -> None:
        self.midtrans = MidtransState(self.settings.midtrans, self.clock, self.settings.sandbox.seed)
        self.digiflazz = DigiflazzState(self.settings.digiflazz, self.settings.sandbox.seed, self.clock)
        self.ferry = FerryOperator(self.settings.ferry, self.clock, self.settings.sandbox.seed)
        self.xendit = XenditState(self.settings.xendit, self.clock, self.settings.sandbox.seed)
        self.clear()

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now) -> SandboxState:
        s = settings.sandbox
        knobs = KnobBoard(
            {
                "amadeus": Knobs.from_settings(settings.amadeus_knobs),
                "duffel": Knobs.from_settings(settings.duffel_knobs),
                "hotelbeds": Knobs.from_settings(settings.hotelbeds_knobs),
                "digiflazz": Knobs.from_settings(settings.digiflazz_knobs),
                "ferry": Knobs.from_settings(settings.ferry_knobs),
            },
            seed=s.seed,
            timeout_sleep_seconds=s.timeout_sleep_seconds,
        )
        return cls(settings=settings, inventory=Inventory(s.seed), knobs=knobs, clock=clock)

    @property
    def seed(self) -> int:
        return self.settings.sandbox.seed

    def clear(self) -> None:
        """Fresh seats and no holds, offers or tokens (tokens survive: clients keep theirs)."""
        self.seats = SeatBook(self.seed)
        self.holds = HoldBook(
            self.seats, timedelta(seconds=self.settings.sandbox.hold_ttl_seconds), self.seed, self.clock
        )
        self.duffel_offers.clear()
        self.duffel_cancellations.clear()
        self.hotelbeds = HotelbedsBook(self.seed, self.settings.hotelbeds.on_request_seconds)
        self.digiflazz.reset()
        self.ferry.reset()
        self.xendit.reset()

    def today(self) -> date:
        return today_in_indonesia(self.clock())

    def on_sale(self, day: date) -> bool:
        """Flights are sold from today up to the sales horizon."""
        today = self.today()
        return today <= day <= today + timedelta(days=self.settings.sandbox.sales_horizon_days)

    def still_sellable(self, departure: datetime) -> bool:
        """Sales close an hour before departure."""
        return departure > self.clock() + timedelta(hours=1)
