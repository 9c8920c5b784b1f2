"""The Xendit invoice page, `GET /xendit/web/{invoice_id}`: a small self-contained HTML page (no
external assets, everything escaped) where a person or a test pays by virtual account (a bank),
e-wallet or QRIS, or lets the invoice expire. The actions (`POST …/{invoice_id}/pay|expire`) take
a form or a JSON body (`payment_method`, `bank` or `ewallet`) and answer HTML, or JSON when the
request accepts application/json. Each step sends the invoice callback; acting on an invoice that
is no longer pending → 409."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from midtrans_page import CSP, STYLE, rupiah
from midtrans_store import WIB
from xendit_api import xendit
from xendit_state import BANKS, EWALLETS, METHODS, Invoice, XenditState

page_router = APIRouter(prefix="/web")

ACTIONS = ("pay", "expire")
METHOD_LABELS = {
    "BANK_TRANSFER": "Virtual account (bank transfer)",
    "EWALLET": "E-wallet",
    "QR_CODE": "QRIS",
}


def _document(title: str, content: str, status_code: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · Xendit sandbox</title><style>{STYLE}</style></head>"
        f"<body><main>{content}</main></body></html>"
    )
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-store"},
    )


def _items(invoice: Invoice) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(i.get('name', '')))}</td><td class=n>{escape(str(i.get('quantity', '')))}</td>"
        f"<td class=n>{escape(_amount(i))}</td></tr>"
        for i in invoice.items
    )
    if not rows:
        return ""
    return f'<table><tr><th>Item</th><th class="n">Qty</th><th class="n">Amount</th></tr>{rows}</table>'


def _amount(item: dict[str, Any]) -> str:
    try:
        return rupiah(int(item.get("price", 0)) * int(item.get("quantity", 1)))
    except (TypeError, ValueError):
        return ""


def _form(path: str) -> str:
    target = escape(path)
    methods = "".join(
        f'<label><input type="radio" name="payment_method" value="{m}"'
        f"{' checked' if m == 'BANK_TRANSFER' else ''}> {escape(METHOD_LABELS[m])}</label>"
        for m in METHODS
    )
    banks = "".join(f'<option value="{b}">{b}</option>' for b in BANKS)
    wallets = "".join(f'<option value="{e}">{e}</option>' for e in EWALLETS)
    return (
        f'<form method="post" action="{target}/pay"><fieldset><legend>Payment method</legend>{methods}'
        f'<label>Bank (virtual account) <select name="bank">{banks}</select></label>'
        f'<label>E-wallet <select name="ewallet">{wallets}</select></label></fieldset>'
        '<button class="primary" type="submit">Pay</button>'
        f'<button type="submit" formaction="{target}/expire">Let it expire</button></form>'
    )


def _status(invoice: Invoice) -> str:
    tone = "good" if invoice.status in ("PAID", "SETTLED") else "bad" if invoice.status == "EXPIRED" else ""
    detail = ""
    if invoice.payment_method:
        label = METHOD_LABELS.get(invoice.payment_method, invoice.payment_method)
        detail = f"<br>{escape(label)} · {escape(invoice.payment_channel or '')}"
        if invoice.payment_method == "BANK_TRANSFER" and invoice.payment_destination:
            detail += f" <code>{escape(invoice.payment_destination)}</code>"
    back = invoice.success_redirect_url if invoice.status != "EXPIRED" else invoice.failure_redirect_url
    link = f'<p><a href="{escape(back)}">Back to the merchant</a></p>' if back else ""
    return f'<div class="status {tone}">Status: <strong>{escape(invoice.status)}</strong>{detail}</div>{link}'


def render(
    state: XenditState, invoice: Invoice, path: str, note: str = "", status_code: int = 200
) -> HTMLResponse:
    when = invoice.expiry_date.astimezone(WIB).strftime("%d %b %Y %H:%M WIB")
    parts = [
        f'<p class="muted">Xendit sandbox · {escape(state.settings.business_id)}</p>',
        f"<h1>Invoice {escape(invoice.external_id)}</h1>",
        f'<p class="muted">{escape(invoice.description)}</p>',
        f'<div class="amount">{escape(rupiah(invoice.amount))}</div>',
        f'<p class="muted">Pay before {escape(when)}</p>',
        _items(invoice),
    ]
    if note:
        parts.append(f'<div class="status bad">{escape(note)}</div>')
    parts.append(_form(path) if invoice.status == "PENDING" else _status(invoice))
    return _document(f"Invoice {invoice.external_id}", "".join(parts), status_code)


def page_path(request: Request, invoice_id: str) -> str:
    path = request.url.path
    return (
        path[: path.index(invoice_id) + len(invoice_id)]
        if invoice_id in path
        else f"/xendit/web/{invoice_id}"
    )


def _not_found() -> HTMLResponse:
    return _document("Not found", "<h1>Invoice not found</h1><p>This payment link is not valid.</p>", 404)


@page_router.get("/{invoice_id}", response_class=HTMLResponse)
async def invoice_page(request: Request, invoice_id: str) -> HTMLResponse:
    state = xendit(request)
    invoice = state.invoices.get(invoice_id)
    if invoice is None:
        return _not_found()
    return render(state, state.refresh(invoice), page_path(request, invoice_id))


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _inputs(request: Request) -> dict[str, Any]:
    if "json" in request.headers.get("content-type", ""):
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
            body = None
        if not isinstance(body, dict):
            raise Refused(400, "The request body is not a JSON object")
        return body
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _method(inputs: dict[str, Any]) -> tuple[str, str]:
    method = str(inputs.get("payment_method") or "BANK_TRANSFER").upper()
    if method == "BANK_TRANSFER":
        bank = str(inputs.get("bank") or "BCA").upper()
        if bank not in BANKS:
            raise Refused(422, f"bank must be one of {', '.join(BANKS)}")
        return method, bank
    if method == "EWALLET":
        wallet = str(inputs.get("ewallet") or "OVO").upper()
        if wallet not in EWALLETS:
            raise Refused(422, f"ewallet must be one of {', '.join(EWALLETS)}")
        return method, wallet
    if method == "QR_CODE":
        return method, "QRIS"
    raise Refused(422, f"payment_method must be one of {', '.join(METHODS)}")


def act(state: XenditState, invoice: Invoice, action: str, inputs: dict[str, Any]) -> None:
    state.refresh(invoice)
    if invoice.status != "PENDING":
        raise Refused(409, f"This invoice is already {invoice.status}")
    if action == "pay":
        state.pay(invoice, *_method(inputs))
    else:
        state.expire(invoice)


@page_router.post("/{invoice_id}/{action}", response_model=None)
async def page_action(request: Request, invoice_id: str, action: str) -> Response:
    state = xendit(request)
    wants_json = "application/json" in request.headers.get("accept", "")
    invoice = state.invoices.get(invoice_id) if action in ACTIONS else None
    if invoice is None:
        if wants_json:
            return JSONResponse(
                {"error_code": "INVOICE_NOT_FOUND_ERROR", "message": "Could not find invoice"}, 404
            )
        return _not_found()
    try:
        act(state, invoice, action, await _inputs(request))
    except Refused as refused:
        if wants_json:
            body = {"error_code": "INVALID_ACTION", "message": refused.message, "status": invoice.status}
            return JSONResponse(body, status_code=refused.status)
        return render(state, invoice, page_path(request, invoice_id), refused.message, refused.status)
    if wants_json:
        return JSONResponse(
            {
                "id": invoice.id,
                "external_id": invoice.external_id,
                "status": invoice.status,
                "payment_method": invoice.payment_method,
                "payment_channel": invoice.payment_channel,
            }
        )
    return render(state, invoice, page_path(request, invoice_id))
