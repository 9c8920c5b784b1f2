"""The Midtrans part of the sandbox state: settings, knobs, transactions and the notifier, and the
one way a transaction changes status (which always queues a notification)."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from holds import Clock
from knobs import MidtransKnobs
from midtrans_notifier import Notification, Notifier
from midtrans_store import MidtransStore, Refund, Transaction

from config import MidtransSettings

NOTIFICATION_MESSAGE = "midtrans payment notification"


class MidtransState:
    def __init__(self, settings: MidtransSettings, clock: Clock, seed: int) -> None:
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.defaults = MidtransKnobs.from_settings(settings)
        self.knobs = self.defaults
        self.store = MidtransStore(clock, seed)
        self.notifier = Notifier(settings, lambda: self.knobs, seed)
        self.knob_rng = random.Random(f"{seed}:midtrans-knobs")

    def reset(self) -> None:
        """Knobs back to the env values; transactions, queued notifications and the log cleared."""
        self.knobs = self.defaults
        self.knob_rng = random.Random(f"{self.seed}:midtrans-knobs")
        self.store.clear()
        self.notifier.reset()

    def update_knobs(self, changes: dict[str, Any]) -> MidtransKnobs:
        self.knobs = replace(self.knobs, **changes)
        return self.knobs

    def now(self) -> datetime:
        return self.clock()

    def body(self, txn: Transaction, status_message: str) -> dict[str, Any]:
        return txn.body(self.settings.server_key, self.settings.merchant_id, status_message)

    def notify(self, txn: Transaction) -> None:
        urls = self.notifier.targets(txn.override_urls, txn.append_urls)
        self.notifier.enqueue(Notification(txn.order_id, urls, self.body(txn, NOTIFICATION_MESSAGE)))

    def move(self, txn: Transaction, status: str, fraud_status: str | None = None) -> None:
        """Sets the status (and its times) and queues the notification carrying it."""
        now = self.now()
        if txn.transaction_time is None:
            txn.transaction_time = now
        txn.transaction_status = status
        if fraud_status is not None:
            txn.fraud_status = fraud_status
        if status == "settlement":
            txn.settlement_time = now
        self.notify(txn)

    def choose(self, txn: Transaction, payment_type: str, bank: str | None) -> None:
        """The payer picked a method: Midtrans now knows the transaction."""
        txn.payment_type = payment_type
        txn.bank = bank if payment_type == "bank_transfer" else None
        if payment_type == "bank_transfer" and bank is not None:
            txn.va_number = self.store.va_number(bank)
        if payment_type == "echannel":  # Mandiri's bill key, kept where a VA number would be
            txn.va_number = self.store.va_number("mandiri")

    def refresh(self, txn: Transaction) -> Transaction:
        """Applies the passage of time: a pending payment past its expiry expires (and notifies)."""
        if txn.transaction_status == "pending" and self.now() >= txn.expires_at:
            self.move(txn, "expire")
        return txn

    def sweep(self) -> None:
        for txn in list(self.store.by_order.values()):
            self.refresh(txn)

    def add_refund(self, txn: Transaction, refund_key: str, amount: int, reason: str | None) -> Refund:
        refund = Refund(
            refund_chargeback_id=self.store.next_refund_id(),
            refund_chargeback_uuid=str(uuid.UUID(int=self.store.rng.getrandbits(128), version=4)),
            refund_key=refund_key,
            amount=amount,
            reason=reason,
            created_at=self.now(),
        )
        txn.refunds.append(refund)
        status = "refund" if txn.refunded >= txn.gross_amount else "partial_refund"
        self.move(txn, status)
        # Midtrans notifies twice: at once, then when the bank confirms (the final one).
        refund.bank_confirmed_at = self.now()
        self.notify(txn)
        return refund
