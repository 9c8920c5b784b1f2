"""The Snap payment page, `GET /midtrans/snap/v2/vtweb/{token}`: a small self-contained HTML page
(no external assets, everything escaped) where a person or a test picks a method and pays, is
denied, or lets the payment expire. The actions (`POST …/{token}/pay|choose|deny|expire`) take a
form or a JSON body and answer HTML, or JSON when the request accepts application/json.

- pay: a new method → `pending` (201) then `settlement` (200); a card → `capture` (fraud `accept`)
  then `settlement`; a payment already pending (chosen earlier) → `settlement`.
- choose: pick a method and stay `pending` (a VA number to transfer to later).
- deny: `deny` (202), as a card refused by the bank or the fraud check.
- expire: `pending` (if no method yet) then `expire` (407).
Every step is a notification. Acting on a finished or expired transaction → 409."""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from midtrans_access import midtrans
from midtrans_state import MidtransState
from midtrans_store import BANKS, MANDIRI_BILLER_CODE, PAYMENT_TYPES, WIB, Transaction

page_router = APIRouter(prefix="/snap/v2/vtweb")

ACTIONS = ("pay", "choose", "deny", "expire")
METHOD_LABELS = {
    "bank_transfer": "Bank transfer (virtual account)",
    "echannel": "Mandiri Bill Payment",
    "gopay": "GoPay",
    "qris": "QRIS",
    "credit_card": "Credit / debit card",
}
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f9;
color:#1d2433;margin:0}
main{max-width:34rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.1rem;margin:0 0 .25rem}.muted{color:#667085;font-size:.9rem}
.amount{font-size:2rem;font-weight:700;margin:.75rem 0}
table{width:100%;border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{padding:.35rem 0;border-bottom:1px solid #eaecf0;text-align:left}td.n,th.n{text-align:right}
fieldset{border:1px solid #eaecf0;border-radius:8px;margin:1rem 0}label{display:block;margin:.3rem 0}
button{font-size:1rem;padding:.6rem 1rem;border-radius:8px;border:1px solid #d0d5dd;background:#fff;
margin:.25rem .25rem 0 0;cursor:pointer}button.primary{background:#0a66ff;color:#fff;border-color:#0a66ff}
.status{padding:.75rem 1rem;border-radius:8px;background:#eef4ff;margin:1rem 0}
.bad{background:#fef3f2}.good{background:#ecfdf3}code{font-size:1.05rem}
"""


def rupiah(amount: int) -> str:
    """Rp1.500.000: dots between thousands, as Indonesians write it."""
    return "Rp" + f"{amount:,}".replace(",", ".")


def _when(txn: Transaction) -> str:
    return txn.expires_at.astimezone(WIB).strftime("%d %b %Y %H:%M WIB")


def _document(title: str, content: str, status_code: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · Midtrans sandbox</title><style>{STYLE}</style></head>"
        f"<body><main>{content}</main></body></html>"
    )
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-store"},
    )


def _header(state: MidtransState, txn: Transaction) -> str:
    return (
        f'<p class="muted">Midtrans sandbox · merchant {escape(state.settings.merchant_id)}</p>'
        f"<h1>Order {escape(txn.order_id)}</h1>"
        f'<div class="amount">{escape(rupiah(txn.gross_amount))}</div>'
    )


def _items(txn: Transaction) -> str:
    if not txn.items:
        return ""
    rows = "".join(
        f"<tr><td>{escape(str(i['name']))}</td><td class=n>{int(i['quantity'])}</td>"
        f"<td class=n>{escape(rupiah(int(i['price']) * int(i['quantity'])))}</td></tr>"
        for i in txn.items
    )
    return f'<table><tr><th>Item</th><th class="n">Qty</th><th class="n">Amount</th></tr>{rows}</table>'


def _status_box(txn: Transaction) -> str:
    status = txn.transaction_status or "not started"
    tone = (
        "good"
        if status in ("settlement", "capture")
        else "bad"
        if status in ("deny", "expire", "cancel")
        else ""
    )
    detail = ""
    if txn.payment_type == "bank_transfer" and txn.va_number:
        detail = (
            f"<br>{escape((txn.bank or '').upper())} virtual account <code>{escape(txn.va_number)}</code>"
        )
    elif txn.payment_type == "echannel" and txn.va_number:
        detail = (
            f"<br>Mandiri Bill Payment: biller code <code>{escape(MANDIRI_BILLER_CODE)}</code>, "
            f"bill key <code>{escape(txn.va_number)}</code>"
        )
    elif txn.payment_type:
        detail = f"<br>{escape(METHOD_LABELS.get(txn.payment_type, txn.payment_type))}"
    return (
        f'<div class="status {tone}">Status: <strong>{escape(status)}</strong> '
        f"(status_code {escape(txn.status_code)}){detail}</div>"
    )


def _finish_link(txn: Transaction) -> str:
    if not txn.finish_url or not txn.started:
        return ""
    query = urlencode(
        {
            "order_id": txn.order_id,
            "status_code": txn.status_code,
            "transaction_status": txn.transaction_status,
        }
    )
    separator = "&" if "?" in txn.finish_url else "?"
    return f'<p><a href="{escape(txn.finish_url + separator + query)}">Back to the merchant</a></p>'


def _method_form(page: str) -> str:
    token = escape(page)
    methods = "".join(
        f'<label><input type="radio" name="payment_type" value="{m}"'
        f"{' checked' if m == 'bank_transfer' else ''}>"
        f" {escape(METHOD_LABELS[m])}</label>"
        for m in PAYMENT_TYPES
    )
    banks = "".join(f'<option value="{b}">{escape(b.upper())}</option>' for b in BANKS)
    return (
        f'<form method="post" action="{token}/pay"><fieldset><legend>Payment method</legend>{methods}'
        f'<label>Bank (for bank transfer) <select name="bank">{banks}</select></label></fieldset>'
        '<button class="primary" type="submit">Pay</button>'
        f'<button type="submit" formaction="{token}/choose">Get payment code, pay later</button>'
        f'<button type="submit" formaction="{token}/deny">Deny</button>'
        f'<button type="submit" formaction="{token}/expire">Let it expire</button></form>'
    )


def _pending_form(page: str) -> str:
    token = escape(page)
    return (
        f'<form method="post" action="{token}/pay"><button class="primary" type="submit">Pay</button>'
        f'<button type="submit" formaction="{token}/deny">Deny</button>'
        f'<button type="submit" formaction="{token}/expire">Let it expire</button></form>'
    )


def page_path(request: Request, token: str) -> str:
    """The page's own path (behind any prefix), so the forms work from the page and its results."""
    path = request.url.path
    return path[: path.index(token) + len(token)] if token in path else f"/midtrans/snap/v2/vtweb/{token}"


def render(
    state: MidtransState, txn: Transaction, page: str, note: str = "", status_code: int = 200
) -> HTMLResponse:
    now = state.now()
    parts = [_header(state, txn), f'<p class="muted">Pay before {escape(_when(txn))}</p>', _items(txn)]
    if note:
        parts.append(f'<div class="status bad">{escape(note)}</div>')
    if txn.snap_expired(now) and not txn.started:
        parts.append('<div class="status bad">This payment link has expired. Nothing was charged.</div>')
    elif not txn.started:
        parts.append(_method_form(page))
    else:
        parts.append(_status_box(txn))
        if txn.transaction_status == "pending":
            parts.append(_pending_form(page))
        parts.append(_finish_link(txn))
    return _document(f"Order {txn.order_id}", "".join(parts), status_code)


def _not_found() -> HTMLResponse:
    return _document("Not found", "<h1>Transaction not found</h1><p>This payment link is not valid.</p>", 404)


@page_router.get("/{token}", response_class=HTMLResponse)
async def payment_page(request: Request, token: str) -> HTMLResponse:
    state = midtrans(request)
    txn = state.store.by_snap_token(token)
    if txn is None:
        return _not_found()
    return render(state, state.refresh(txn), page_path(request, token))


async def _inputs(request: Request) -> dict[str, Any]:
    if "json" in request.headers.get("content-type", ""):
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        return body if isinstance(body, dict) else {"_invalid": True}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _method(inputs: dict[str, Any], default: str) -> tuple[str, str | None]:
    payment_type = str(inputs.get("payment_type") or default)
    if payment_type not in PAYMENT_TYPES:
        raise Refused(422, f"payment_type must be one of {', '.join(PAYMENT_TYPES)}")
    if payment_type != "bank_transfer":
        return payment_type, None
    bank = str(inputs.get("bank") or "bca").lower()
    if bank not in BANKS:
        raise Refused(422, f"bank must be one of {', '.join(BANKS)}")
    return payment_type, bank


def act(state: MidtransState, txn: Transaction, action: str, inputs: dict[str, Any]) -> None:
    state.refresh(txn)
    if inputs.get("_invalid"):
        raise Refused(400, "The request body is not a JSON object")
    if txn.snap_expired(state.now()) and not txn.started:
        raise Refused(409, "This payment link has expired")
    if txn.started and txn.transaction_status != "pending":
        raise Refused(409, f"This transaction is already {txn.transaction_status}")
    pending = txn.transaction_status == "pending"
    if action == "choose":
        if pending:
            raise Refused(409, "A payment method was already chosen; pay, deny or let it expire")
        state.choose(txn, *_method(inputs, "bank_transfer"))
        state.move(txn, "pending", fraud_status="accept")
    elif action == "pay":
        if not pending:
            state.choose(txn, *_method(inputs, "bank_transfer"))
            if txn.payment_type == "credit_card":
                state.move(txn, "capture", fraud_status="accept")
            else:
                state.move(txn, "pending", fraud_status="accept")
        state.move(txn, "settlement")
    elif action == "deny":
        if not pending:
            state.choose(txn, *_method(inputs, "credit_card"))
        state.move(txn, "deny", fraud_status="deny")
    else:  # expire
        if not pending:
            state.choose(txn, *_method(inputs, "bank_transfer"))
            state.move(txn, "pending", fraud_status="accept")
        txn.snap_closed = True
        state.move(txn, "expire")


@page_router.post("/{token}/{action}", response_model=None)
async def page_action(request: Request, token: str, action: str) -> Response:
    state = midtrans(request)
    wants_json = "application/json" in request.headers.get("accept", "")
    txn = state.store.by_snap_token(token) if action in ACTIONS else None
    if txn is None:
        if wants_json:
            return JSONResponse({"error_messages": ["Transaction not found"]}, status_code=404)
        return _not_found()
    inputs = await _inputs(request)
    try:
        act(state, txn, action, inputs)
    except Refused as refused:
        if wants_json:
            return JSONResponse(
                {
                    "error_messages": [refused.message],
                    "order_id": txn.order_id,
                    "transaction_status": txn.transaction_status,
                },
                status_code=refused.status,
            )
        return render(state, txn, page_path(request, token), refused.message, refused.status)
    if wants_json:
        return JSONResponse(
            {
                "order_id": txn.order_id,
                "transaction_status": txn.transaction_status,
                "status_code": txn.status_code,
                "payment_type": txn.payment_type,
            }
        )
    return render(state, txn, page_path(request, token))
