"""Which messages an event owes the customer (docs/architecture.md, events):

| event | email | SMS (when the customer has SMS on and a phone) |
|---|---|---|
| `transaction.created` | what, how much, the deadline (where to pay, when known) | the payment deadline |
| `payment.instructions` | where to pay (virtual account, bill key, QRIS), until when | the same, short |
| `order.completed` | the booking with its documents (and a PDF of the e-ticket or voucher) | the PLN token |
| `transaction.failed` | what happened; the seat or room is released | — |
| `refund.processed` | how much comes back, and when | the refund |

`payment.confirmed` owes nothing of its own: the confirmation goes out once the booking is issued,
with its documents. Each message has a key made from the fact it announces (the order and the
kind, the payment, or the refund), so the same fact told twice (a redelivered event, a second event about an
order already cancelled) is still one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.facts import OrderFacts, read_order
from domain.formatting import local_time, parse_instant, rupiah
from domain.models import Channel, Kind, Preferences
from domain.payment_instructions import instructions_context, read_instructions

ORDER_CREATED = "transaction.created"
PAYMENT_INSTRUCTIONS = "payment.instructions"
ORDER_COMPLETED = "order.completed"
ORDER_FAILED = "transaction.failed"
REFUND_PROCESSED = "refund.processed"
TOPICS = frozenset({ORDER_CREATED, PAYMENT_INSTRUCTIONS, ORDER_COMPLETED, ORDER_FAILED, REFUND_PROCESSED})

# Documents a person shows at a gate or a front desk: these go into the PDF.
PRINTABLE_KINDS = frozenset({"e-ticket", "boarding-pass", "hotel-voucher"})

_SERVICE_NAMES = {
    "id": {"flight": "Tiket pesawat", "ferry": "Tiket kapal", "hotel": "Hotel", "ppob": "Pulsa & tagihan"},
    "en": {"flight": "Flight", "ferry": "Ferry", "hotel": "Hotel", "ppob": "Top-up & bills"},
}


@dataclass(frozen=True)
class Planned:
    dedupe_key: str
    channel: Channel
    kind: Kind
    recipient: str
    context: dict[str, Any]


def _amount(value: str | None) -> str:
    if value is None:
        return ""
    try:
        return rupiah(Decimal(value))
    except (InvalidOperation, ValueError):
        return value


def message_context(facts: OrderFacts, data: dict[str, Any], prefs: Preferences) -> dict[str, Any]:
    """Everything a template shows, already in the customer's words: amounts as `Rp1.250.000`,
    times in their zone. Templates only place these."""
    lang = prefs.language
    deadline_at = parse_instant(facts.payment_deadline)
    deadline = local_time(deadline_at, prefs.time_zone, lang) if deadline_at else ""
    payment = instructions_context(read_instructions(data.get("payment_instructions")), prefs.time_zone, lang)
    return {
        "language": lang,
        "name": facts.customer_name or ("Pelanggan" if lang == "id" else "Customer"),
        "order_number": facts.order_number or "",
        "service": _SERVICE_NAMES.get(lang, _SERVICE_NAMES["id"]).get(facts.service_type, facts.service_type),
        "service_type": facts.service_type,
        "total": _amount(facts.total_amount),
        "items": [
            {
                "description": item.description,
                "quantity": item.quantity,
                "unit_price": _amount(item.unit_price),
            }
            for item in facts.line_items
        ],
        "deadline": deadline,
        # Where to pay (None until the payer chose a method), before the payment's own deadline.
        "payment": payment,
        "pay_before": (payment or {}).get("expires") or deadline,
        "booking_code": facts.supplier_reference or "",
        "documents": [
            {"kind": d.kind, "title": d.title, "reference": d.reference, "fields": sorted(d.fields.items())}
            for d in facts.documents
        ],
        "printable": [d.reference for d in facts.documents if d.kind in PRINTABLE_KINDS],
        "pln_tokens": [d.reference for d in facts.documents if d.kind == "pln-token"],
        "reason": facts.failure_reason or "",
        "refund_amount": _amount(data.get("amount") if isinstance(data.get("amount"), str) else None),
        "refund_reason": str(data.get("reason") or ""),
    }


def plan(topic: str, data: dict[str, Any], prefs: Preferences) -> tuple[OrderFacts, list[Planned]]:
    facts = read_order(data)
    if topic not in TOPICS or facts.order_id is None:
        return facts, []
    context = message_context(facts, data, prefs)
    order = f"order:{facts.order_id}"
    wanted: list[tuple[str, Channel, Kind]] = []
    if topic == ORDER_CREATED:
        wanted.append((order, Channel.EMAIL, Kind.ORDER_CREATED))
        if context["deadline"]:
            wanted.append((order, Channel.SMS, Kind.PAYMENT_DEADLINE_SMS))
    elif topic == PAYMENT_INSTRUCTIONS:
        if context["payment"] is not None:
            # Once per payment: a new payment of the same order (another method) is told again.
            payment = f"payment:{data.get('payment_id') or facts.order_id}"
            wanted.append((payment, Channel.EMAIL, Kind.PAYMENT_INSTRUCTIONS))
            wanted.append((payment, Channel.SMS, Kind.PAYMENT_INSTRUCTIONS))
    elif topic == ORDER_COMPLETED:
        wanted.append((order, Channel.EMAIL, Kind.BOOKING_CONFIRMED))
        if context["pln_tokens"]:
            wanted.append((order, Channel.SMS, Kind.PLN_TOKEN_SMS))
    elif topic == ORDER_FAILED:
        wanted.append((order, Channel.EMAIL, Kind.ORDER_FAILED))
    elif topic == REFUND_PROCESSED:
        refund = f"refund:{data.get('refund_id') or data.get('order_id')}"
        wanted.append((refund, Channel.EMAIL, Kind.REFUNDED))
        wanted.append((refund, Channel.SMS, Kind.REFUND_SMS))
    planned = []
    for fact, channel, kind in wanted:
        recipient = facts.email if channel is Channel.EMAIL else facts.phone
        if not recipient or (channel is Channel.SMS and not prefs.sms_enabled):
            continue
        planned.append(Planned(f"{fact}:{kind}:{channel}", channel, kind, recipient, context))
    return facts, planned
