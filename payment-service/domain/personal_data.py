"""What payment-service keeps of people's data, and when it lets it go.

No card data ever reaches TiketQ: payers type card numbers on the gateways' hosted pages (Snap,
the Xendit invoice page). What does reach us, and is dropped here once nothing needs it:

- the customer (name, email, phone) in the body we send to start a payment. It is needed only
  until the gateway has it: a retry after a failure resends the stored body. Once the gateway
  answered with its token or invoice, the stored body keeps everything but the customer, marked
  with CUSTOMER_DROPPED so a retry under the same Idempotency-Key is compared without it;
- the gateway's notifications and callbacks: masked card numbers, virtual account numbers, the
  payer's email and bank. After a retention, an accepted one is reduced to what we act on and
  reconcile with: ids, statuses, amounts, the payment type and the times.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

XENDIT = "xendit"  # domain.gateways names it too, but imports the models that import this

CUSTOMER_DROPPED = "customer_dropped"
# Where each gateway's body to start a payment carries the customer (Snap: customer_details;
# a Xendit invoice: payer_email and customer).
CUSTOMER_FIELDS = frozenset({"customer_details", "payer_email", "customer"})

# A Midtrans notification (the same fields as its status answer), reduced. The signature_key
# stays: with order_id, status_code and gross_amount it still proves the notification was
# Midtrans's (sha512 with our server key), and it holds nothing about the payer.
MIDTRANS_KEPT = frozenset(
    {
        "order_id",
        "transaction_id",
        "merchant_id",
        "transaction_status",
        "status_code",
        "status_message",
        "fraud_status",
        "signature_key",
        "gross_amount",
        "currency",
        "payment_type",
        "transaction_time",
        "settlement_time",
        "expiry_time",
        "refund_amount",
        "refund_key",
        "refund_chargeback_id",
    }
)
MIDTRANS_REFUND_KEPT = frozenset({"refund_chargeback_id", "refund_amount", "refund_key", "created_at"})
# A Xendit invoice callback, reduced (payer_email, payment_destination, bank_code and the
# like go).
XENDIT_INVOICE_KEPT = frozenset(
    {
        "id",
        "external_id",
        "user_id",
        "status",
        "amount",
        "paid_amount",
        "currency",
        "payment_method",
        "payment_id",
        "paid_at",
        "created",
        "updated",
    }
)
# A Xendit refund callback: {"event", "business_id", "created", "data": {...}}.
XENDIT_REFUND_KEPT = frozenset({"event", "business_id", "created"})
XENDIT_REFUND_DATA_KEPT = frozenset(
    {
        "id",
        "invoice_id",
        "payment_id",
        "payment_request_id",
        "reference_id",
        "amount",
        "currency",
        "status",
        "reason",
        "failure_code",
        "created",
        "updated",
    }
)


def without_customer(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The body we sent to start a payment, less the customer, marked as such."""
    kept = {key: value for key, value in payload.items() if key not in CUSTOMER_FIELDS}
    kept[CUSTOMER_DROPPED] = True
    return kept


def same_request(stored: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Whether a retried request is the stored one: the whole body while the customer is still
    kept, everything but the customer once it was dropped."""
    if stored.get(CUSTOMER_DROPPED) is True:
        return dict(stored) == without_customer(payload)
    return dict(stored) == dict(payload)


def reduced_notification(gateway: str, raw_body: str, body: Mapping[str, Any] | None) -> dict[str, Any]:
    """An accepted notification or callback, reduced to what we act on and reconcile with. The
    parsed body is used, else the raw one parsed again (a body PostgreSQL could not hold as
    JSON); anything unreadable reduces to nothing."""
    if body is None:
        try:
            parsed = json.loads(raw_body)
        except ValueError:
            return {}
        if not isinstance(parsed, dict):
            return {}
        body = parsed
    if gateway == XENDIT:
        if isinstance(body.get("data"), Mapping):
            reduced = _pick(body, XENDIT_REFUND_KEPT)
            reduced["data"] = _pick(body["data"], XENDIT_REFUND_DATA_KEPT)
            metadata = body["data"].get("metadata")
            if isinstance(metadata, Mapping) and "order_id" in metadata:
                reduced["data"]["metadata"] = {"order_id": metadata["order_id"]}  # our own id
            return reduced
        return _pick(body, XENDIT_INVOICE_KEPT)
    reduced = _pick(body, MIDTRANS_KEPT)
    refunds = body.get("refunds")
    if isinstance(refunds, list):
        reduced["refunds"] = [_pick(r, MIDTRANS_REFUND_KEPT) for r in refunds if isinstance(r, Mapping)]
    return reduced


def _pick(body: Mapping[str, Any], kept: frozenset[str]) -> dict[str, Any]:
    """Only the kept fields, and only plain values: a field of an unexpected shape (an object
    where a string belongs) could carry anything, so it goes too."""
    return {
        key: value
        for key, value in body.items()
        if key in kept and (value is None or isinstance(value, str | int | float | bool))
    }
