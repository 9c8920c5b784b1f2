"""Which payment gateway takes a payment: the caller may name one; otherwise the configured
default, or, while that one is switched off (an outage, a contract ending), the first gateway
still on. Switching a gateway off stops only new payments: its charges are still synced,
cancelled, refunded and notified through it until they finish."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.errors import GatewayDisabled
from domain.models import Charge
from domain.repository import PaymentGateway

MIDTRANS = "midtrans"
XENDIT = "xendit"
KNOWN = (MIDTRANS, XENDIT)


class Gateways:
    def __init__(
        self, gateways: Mapping[str, PaymentGateway], *, enabled: Iterable[str], default: str
    ) -> None:
        self._gateways = dict(gateways)
        self._enabled = tuple(name for name in self._gateways if name in set(enabled))
        self._default = default

    @classmethod
    def only(cls, gateway: PaymentGateway, name: str = MIDTRANS) -> Gateways:
        return cls({name: gateway}, enabled=(name,), default=name)

    @property
    def enabled(self) -> tuple[str, ...]:
        return self._enabled

    def choose(self, requested: str | None) -> str:
        """The gateway a new payment goes to; GatewayDisabled when none can take it."""
        if requested is not None:
            if requested not in self._enabled:
                raise GatewayDisabled(f"The {requested} gateway is not taking payments now; try another.")
            return requested
        if self._default in self._enabled:
            return self._default
        if self._enabled:
            return self._enabled[0]
        raise GatewayDisabled("No payment gateway is taking payments now.")

    def named(self, name: str) -> PaymentGateway:
        """The gateway of an existing charge, switched off or not."""
        gateway = self._gateways.get(name)
        if gateway is None:
            raise GatewayDisabled(f"The {name} gateway is not configured here.")
        return gateway

    def of(self, charge: Charge) -> PaymentGateway:
        return self.named(charge.gateway)
