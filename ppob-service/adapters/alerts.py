"""The deposit and purchase outcomes for operators: Prometheus metrics and log lines. A low
deposit is logged at ERROR (alerting picks that up) and counted."""

from __future__ import annotations

import logging
from decimal import Decimal

from prometheus_client import Counter, Gauge

logger = logging.getLogger("ppob.alerts")

DEPOSIT = Gauge("ppob_aggregator_deposit_rupiah", "The PPOB aggregator deposit, as last read.")
LOW_DEPOSIT = Counter("ppob_low_deposit_refusals_total", "Purchases refused because the deposit was too low.")
FINISHED = Counter("ppob_purchases_finished_total", "Purchases finished at the aggregator.", ["outcome"])


class PrometheusAlerts:
    def deposit_seen(self, amount: Decimal) -> None:
        DEPOSIT.set(float(amount))

    def deposit_low(self, amount: Decimal, needed: Decimal) -> None:
        LOW_DEPOSIT.inc()
        logger.error(
            "ALERT: PPOB aggregator deposit too low; purchases refused until it is topped up",
            extra={"deposit": str(amount), "needed": str(needed)},
        )

    def purchase_finished(self, state: str) -> None:
        FINISHED.labels(outcome=state).inc()
