"""The Xendit part of the sandbox state: settings, knobs, invoices, refunds and the callback
sender, and the one way an invoice or a refund changes status (which always sends its callback)."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from holds import Clock
from xendit_callbacks import Callback, CallbackSender

from config import XenditSettings

MERCHANT_NAME = "TiketQ Sandbox"
BANKS = ("BCA", "BNI", "BRI", "MANDIRI", "PERMATA")
EWALLETS = ("OVO", "DANA", "SHOPEEPAY", "LINKAJA")
METHODS = ("BANK_TRANSFER", "EWALLET", "QR_CODE")


def iso(moment: datetime) -> str:
    """Xendit's timestamps: UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class XenditKnobs:
    """Latency and 5xx on API calls; callbacks delayed and duplicated; refunds that fail."""

    latency_ms: int = 0
    error_rate: float = 0.0
    duplicate_callbacks: int = 0
    callback_delay_ms: int = 0
    fail_refunds: bool = False

    @classmethod
    def from_settings(cls, s: XenditSettings) -> XenditKnobs:
        return cls(
            latency_ms=s.latency_ms,
            error_rate=s.error_rate,
            duplicate_callbacks=s.duplicate_callbacks,
            callback_delay_ms=s.callback_delay_ms,
            fail_refunds=s.fail_refunds,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Invoice:
    id: str
    external_id: str
    amount: int
    currency: str
    description: str
    created: datetime
    expiry_date: datetime
    payer_email: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    customer: dict[str, Any] | None = None
    success_redirect_url: str | None = None
    failure_redirect_url: str | None = None
    status: str = "PENDING"
    updated: datetime | None = None
    paid_at: datetime | None = None
    payment_method: str | None = None
    payment_channel: str | None = None
    payment_destination: str | None = None
    refunded: int = 0

    def core(self, user_id: str) -> dict[str, Any]:
        """What the callback carries: the invoice without its page details."""
        body: dict[str, Any] = {
            "id": self.id,
            "external_id": self.external_id,
            "user_id": user_id,
            "is_high": False,
            "status": self.status,
            "merchant_name": MERCHANT_NAME,
            "amount": self.amount,
            "description": self.description,
            "created": iso(self.created),
            "updated": iso(self.updated or self.created),
            "currency": self.currency,
        }
        if self.payer_email:
            body["payer_email"] = self.payer_email
        if self.status in ("PAID", "SETTLED"):
            assert self.paid_at is not None
            body.update(
                payment_method=self.payment_method,
                payment_channel=self.payment_channel,
                payment_destination=self.payment_destination,
                paid_amount=self.amount,
                paid_at=iso(self.paid_at),
                adjusted_received_amount=self.amount,
                fees_paid_amount=0,
            )
            if self.payment_method == "BANK_TRANSFER":
                body["bank_code"] = self.payment_channel
        return body

    def body(self, user_id: str, base_url: str) -> dict[str, Any]:
        """The invoice as the API answers it."""
        body = self.core(user_id)
        del body["is_high"]
        body.update(
            invoice_url=f"{base_url}/xendit/web/{self.id}",
            expiry_date=iso(self.expiry_date),
            available_banks=[
                {
                    "bank_code": b,
                    "collection_type": "POOL",
                    "transfer_amount": self.amount,
                    "bank_branch": "Virtual Account",
                    "account_holder_name": MERCHANT_NAME.upper(),
                    "identity_amount": 0,
                }
                for b in BANKS
            ],
            available_ewallets=[{"ewallet_type": e} for e in EWALLETS],
            available_qr_codes=[{"qr_code_type": "QRIS"}],
            should_exclude_credit_card=True,
            should_send_email=False,
            items=self.items,
        )
        if self.customer:
            body["customer"] = self.customer
        for name in ("success_redirect_url", "failure_redirect_url"):
            if getattr(self, name):
                body[name] = getattr(self, name)
        return body


@dataclass
class Refund:
    id: str
    invoice_id: str
    external_id: str
    amount: int
    currency: str
    reason: str
    metadata: dict[str, Any] | None
    idempotency_key: str | None
    created: datetime
    status: str = "PENDING"
    failure_code: str | None = None
    updated: datetime | None = None

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "payment_request_id": None,
            "invoice_id": self.invoice_id,
            "payment_id": f"py-{self.invoice_id}",
            "amount": self.amount,
            "channel_code": None,
            "currency": self.currency,
            "status": self.status,
            "reason": self.reason,
            "reference_id": self.external_id,
            "failure_code": self.failure_code,
            "refund_fee_amount": 0,
            "created": iso(self.created),
            "updated": iso(self.updated or self.created),
            "metadata": self.metadata,
        }


class XenditState:
    def __init__(self, settings: XenditSettings, clock: Clock, seed: int) -> None:
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.defaults = XenditKnobs.from_settings(settings)
        self.knobs = self.defaults
        self.callbacks = CallbackSender(
            settings.callback_token,
            settings.retry_schedule,
            settings.callback_timeout_seconds,
            lambda: (self.knobs.callback_delay_ms, self.knobs.duplicate_callbacks),
        )
        self.reset()

    def reset(self) -> None:
        """Knobs back to the env values; invoices, refunds, callbacks and the log forgotten."""
        self.knobs = self.defaults
        self.rng = random.Random(f"{self.seed}:xendit")
        self.knob_rng = random.Random(f"{self.seed}:xendit-knobs")
        self.invoices: dict[str, Invoice] = {}
        self.refunds: dict[str, Refund] = {}
        self.refund_keys: dict[str, str] = {}
        self.callbacks.reset()

    def update_knobs(self, changes: dict[str, Any]) -> XenditKnobs:
        self.knobs = replace(self.knobs, **changes)
        return self.knobs

    def now(self) -> datetime:
        return self.clock()

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(96):024x}"

    def add(self, invoice: Invoice) -> Invoice:
        self.invoices[invoice.id] = invoice
        return invoice

    def by_external_id(self, external_id: str) -> list[Invoice]:
        return [i for i in self.invoices.values() if i.external_id == external_id]

    def refresh(self, invoice: Invoice) -> Invoice:
        """Applies the passage of time: a pending invoice past its expiry expires (and calls back)."""
        if invoice.status == "PENDING" and self.now() >= invoice.expiry_date:
            self.expire(invoice)
        return invoice

    def sweep(self) -> None:
        for invoice in list(self.invoices.values()):
            self.refresh(invoice)

    def _invoice_callback(self, invoice: Invoice) -> None:
        url = self.settings.callback_url
        if url:
            self.callbacks.send(Callback(invoice.id, url, invoice.core(self.settings.business_id)))

    def pay(self, invoice: Invoice, method: str, channel: str) -> None:
        now = self.now()
        invoice.status = "PAID"
        invoice.paid_at = invoice.updated = now
        invoice.payment_method = method
        invoice.payment_channel = channel
        if method == "BANK_TRANSFER":
            invoice.payment_destination = f"8808{self.rng.randrange(10**8):08d}"
        elif method == "EWALLET":
            invoice.payment_destination = f"+62812{self.rng.randrange(10**7):07d}"
        else:
            invoice.payment_destination = "QRIS"
        self._invoice_callback(invoice)

    def expire(self, invoice: Invoice) -> None:
        invoice.status = "EXPIRED"
        invoice.updated = self.now()
        self._invoice_callback(invoice)

    def refund(self, invoice: Invoice, amount: int, reason: str, metadata: Any, key: str | None) -> Refund:
        now = self.now()
        refund = Refund(
            id=f"rfd-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}",
            invoice_id=invoice.id,
            external_id=invoice.external_id,
            amount=amount,
            currency=invoice.currency,
            reason=reason,
            metadata=metadata if isinstance(metadata, dict) else None,
            idempotency_key=key,
            created=now,
        )
        self.refunds[refund.id] = refund
        if key:
            self.refund_keys[key] = refund.id
        invoice.refunded += amount
        self.callbacks.spawn(self._finish_refund(refund, invoice, self.knobs.fail_refunds))
        return refund

    async def _finish_refund(self, refund: Refund, invoice: Invoice, fail: bool) -> None:
        """A refund succeeds (or, with the fail_refunds knob, fails) a moment later; a callback
        tells the merchant either way."""
        await asyncio.sleep(self.settings.refund_seconds)
        refund.status = "FAILED" if fail else "SUCCEEDED"
        refund.failure_code = "INSUFFICIENT_BALANCE" if fail else None
        refund.updated = self.now()
        if fail:
            invoice.refunded -= refund.amount
        url = self.settings.refund_callback_url or self.settings.callback_url
        if url:
            body = {
                "event": "refund.failed" if fail else "refund.succeeded",
                "business_id": self.settings.business_id,
                "created": iso(refund.updated),
                "data": refund.body(),
            }
            self.callbacks.send(Callback(refund.id, url, body))


def expiry(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)
