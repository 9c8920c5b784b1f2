"""The aggregator's price list, cached: Digiflazz answers it at most once per five minutes (rc 83
after), so one copy per process is refreshed no more often than that and kept when a refresh
fails. Selling prices are the cost plus our margin; products switched off or inside their daily
cut-off window are not sold."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from domain.errors import SupplierTimeout, SupplierUnavailable
from domain.models import Margin, PriceListEntry
from domain.ports import Aggregator, Clock, PriceListKind, PriceListRateLimited

logger = logging.getLogger("ppob.price_list")
JAKARTA = ZoneInfo("Asia/Jakarta")


def selling_price(cost: Decimal, margin: Margin) -> Decimal:
    """Cost + flat + percent, rounded up to whole rupiah (Midtrans takes no sen)."""
    raw = cost + margin.flat + cost * margin.percent / Decimal(100)
    return raw.to_integral_value(rounding=ROUND_CEILING).quantize(Decimal("0.01"))


def in_cut_off(entry: PriceListEntry, now: datetime) -> bool:
    """Inside the product's daily cut-off window (WIB, "H:M"); equal ends mean none."""

    def minutes(text: str) -> int:
        hours, _, mins = text.partition(":")
        return int(hours or 0) * 60 + int(mins or 0)

    try:
        start, end = minutes(entry.start_cut_off), minutes(entry.end_cut_off)
    except ValueError:
        return False
    if start == end:
        return False
    local = now.astimezone(JAKARTA)
    current = local.hour * 60 + local.minute
    return start <= current <= end if start < end else current >= start or current <= end


@dataclass
class _Copy:
    entries: dict[str, PriceListEntry]
    fetched_at: datetime


class PriceListCache:
    def __init__(self, aggregator: Aggregator, clock: Clock, refresh_seconds: float = 300.0) -> None:
        self._aggregator = aggregator
        self._clock = clock
        self._refresh = timedelta(seconds=refresh_seconds)
        self._copies: dict[PriceListKind, _Copy] = {}
        self._tried: dict[PriceListKind, datetime] = {}
        self._lock = asyncio.Lock()

    async def entries(self, kind: PriceListKind) -> dict[str, PriceListEntry]:
        """The list by SKU. Raises SupplierUnavailable only when no copy was ever fetched."""
        now = self._clock()
        copy = self._copies.get(kind)
        if copy is not None and now - copy.fetched_at < self._refresh:
            return copy.entries
        async with self._lock:  # one refresh at a time: concurrent callers share it
            copy = self._copies.get(kind)
            tried = self._tried.get(kind)
            fresh_enough = copy is not None and now - copy.fetched_at < self._refresh
            if fresh_enough or (copy is not None and tried is not None and now - tried < self._refresh):
                return copy.entries if copy else {}
            self._tried[kind] = now
            try:
                listed = await self._aggregator.price_list(kind)
            except (PriceListRateLimited, SupplierUnavailable, SupplierTimeout) as exc:
                if copy is None:
                    raise SupplierUnavailable("The PPOB price list is not available yet.") from exc
                logger.warning("price list refresh failed; serving the copy from %s", copy.fetched_at)
                return copy.entries
            copy = _Copy({e.sku: e for e in listed}, now)
            self._copies[kind] = copy
            return copy.entries

    def forget(self) -> None:
        self._copies.clear()
        self._tried.clear()
