"""Digiflazz's buyer API, as served under /digiflazz/v1: balance, price list, prepaid top-ups,
postpaid inquiry / payment / status, and the PLN meter inquiry. Every call is a JSON POST with
`username` and an md5 `sign` in the body; every answer is wrapped in `{"data": …}`.

Request rejections (payload, signature, ref_id reuse, price-list limit) answer HTTP 400; a
transaction's own outcome (Sukses, Pending or Gagal with its rc) answers HTTP 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import digiflazz_admin
from digiflazz_catalogue import (
    POSTPAID,
    POSTPAID_BY_SKU,
    PREPAID,
    PREPAID_BY_SKU,
    Product,
    bill,
    kwh,
    local_number,
    meter,
    operator_of,
    pln_token,
)
from digiflazz_ledger import MESSAGES, Inquiry, Txn, plan_for
from digiflazz_state import DigiflazzState
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from state import SandboxState

SUPPLIER = "digiflazz"
MALFORMED = b'{"data": {"ref_id": "x", "status": "Suk<<<garbage'


class DigiflazzError(Exception):
    """A request the aggregator refuses before any transaction exists."""

    def __init__(self, rc: str, status_code: int = 400, **echo: Any) -> None:
        super().__init__(rc)
        self.rc = rc
        self.status_code = status_code
        self.echo = {k: v for k, v in echo.items() if v is not None}


class Disturbed(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _df(request: Request) -> DigiflazzState:
    return _sandbox(request).digiflazz


async def disturbed(request: Request) -> None:
    outcome = await _sandbox(request).knobs.disturb(SUPPLIER)
    if outcome is not None:
        raise Disturbed(outcome)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise DigiflazzError("40") from None
    if not isinstance(body, dict):
        raise DigiflazzError("40")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise DigiflazzError("40", ref_id=body.get("ref_id") if name != "ref_id" else None)
    return value.strip()


def _check_sign(df: DigiflazzState, body: dict[str, Any], suffix: str) -> None:
    """sign = md5(username + api key + suffix), suffix "depo", "pricelist", the ref_id or the meter."""
    username, sign = _text(body, "username"), _text(body, "sign")
    expected = hashlib.md5((df.settings.username + df.settings.api_key + suffix).encode()).hexdigest()  # noqa: S324 - Digiflazz's scheme
    if username != df.settings.username or not hmac.compare_digest(sign.lower(), expected):
        raise DigiflazzError("41", ref_id=body.get("ref_id"))


def _price(request: Request, price: int) -> int:
    pct = _sandbox(request).knobs.get(SUPPLIER).price_change_pct
    return round(price * (1 + pct / 100))


router = APIRouter(prefix="/digiflazz/v1", dependencies=[Depends(disturbed)], tags=["digiflazz (sandbox)"])


@router.post("/cek-saldo")
async def balance(request: Request) -> dict[str, Any]:
    df, body = _df(request), await _body(request)
    if body.get("cmd") != "deposit":
        raise DigiflazzError("40")
    _check_sign(df, body, "depo")
    return {"data": {"deposit": df.ledger.deposit}}


@router.post("/price-list")
async def price_list(request: Request) -> dict[str, Any]:
    df, body = _df(request), await _body(request)
    cmd = body.get("cmd")
    if cmd not in ("prepaid", "pasca"):
        raise DigiflazzError("40")
    _check_sign(df, body, "pricelist")
    # At most once per interval per list; asking again early is refused with rc 83.
    asked = df.ledger.price_list_asked.get(cmd)
    now = df.now()
    if asked is not None and (now - asked).total_seconds() < df.settings.price_list_interval_seconds:
        raise DigiflazzError("83")
    df.ledger.price_list_asked[cmd] = now
    filters = {k: body[k] for k in ("code", "category", "brand", "type") if isinstance(body.get(k), str)}
    rows = (
        [_prepaid_row(request, p) for p in PREPAID] if cmd == "prepaid" else [_pasca_row(b) for b in POSTPAID]
    )
    key = {"code": "buyer_sku_code"}
    rows = [
        r for r in rows if all(str(r.get(key.get(k, k), "")).lower() == v.lower() for k, v in filters.items())
    ]
    return {"data": rows}


def _prepaid_row(request: Request, p: Product) -> dict[str, Any]:
    return {
        "product_name": p.name, "category": p.category, "brand": p.brand, "type": p.type,
        "seller_name": p.seller_name, "price": _price(request, p.price), "buyer_sku_code": p.sku,
        "buyer_product_status": p.buyer_active, "seller_product_status": p.seller_active,
        "unlimited_stock": True, "stock": 0, "multi": True,
        "start_cut_off": p.start_cut_off, "end_cut_off": p.end_cut_off, "desc": p.desc,
    }  # fmt: skip


def _pasca_row(b: Any) -> dict[str, Any]:
    return {
        "product_name": b.name, "category": "Pascabayar", "brand": b.brand, "seller_name": "TIKETQ SANDBOX",
        "admin": b.admin, "commission": b.commission, "buyer_sku_code": b.sku,
        "buyer_product_status": True, "seller_product_status": True, "desc": b.desc,
    }  # fmt: skip


@router.post("/inquiry-pln")
async def inquiry_pln(request: Request) -> JSONResponse:
    df, body = _df(request), await _body(request)
    customer_no = _text(body, "customer_no")
    _check_sign(df, body, customer_no)
    if _sandbox(request).knobs.hold_fails(SUPPLIER):
        return _gagal("55", customer_no=customer_no)
    found = meter(df.seed, customer_no)
    if found is None:
        return _gagal("54", customer_no=customer_no)
    return JSONResponse({"data": {
        "message": MESSAGES["00"], "status": "Sukses", "rc": "00", "customer_no": customer_no,
        "meter_no": found.meter_no, "subscriber_id": found.subscriber_id, "name": found.name,
        "segment_power": found.segment_power,
    }})  # fmt: skip


def _gagal(rc: str, **data: Any) -> JSONResponse:
    return JSONResponse({"data": {**data, "message": MESSAGES.get(rc, MESSAGES["02"]), "status": "Gagal",
                                  "rc": rc, "sn": ""}})  # fmt: skip


@router.post("/transaction")
async def transaction(request: Request) -> JSONResponse:
    df, body = _df(request), await _body(request)
    ref_id = _text(body, "ref_id")
    _check_sign(df, body, ref_id)
    command = body.get("commands")
    if command in ("inq-pasca", "pay-pasca", "status-pasca"):
        return await _pasca(request, df, body, ref_id, command)
    if command is not None:
        raise DigiflazzError("40", ref_id=ref_id)
    sku, customer_no = _text(body, "buyer_sku_code"), _text(body, "customer_no")
    known = df.ledger.txns.get(ref_id)
    if known is not None:
        # Re-sending the identical request is Digiflazz's status check: it never buys again.
        if known.kind != "prepaid" or (known.sku, known.customer_no) != (sku, customer_no):
            raise DigiflazzError("49", ref_id=ref_id)
        return JSONResponse({"data": df.ledger.check(known).body()})
    echo = {"ref_id": ref_id, "customer_no": customer_no, "buyer_sku_code": sku}
    product = PREPAID_BY_SKU.get(sku)
    refusal = _prepaid_refusal(df, product, customer_no)
    if refusal is not None or product is None:
        return _gagal(refusal or "43", **echo)
    price = _price(request, product.price)
    max_price = body.get("max_price")
    if isinstance(max_price, int | float) and price > max_price:
        return _gagal("02", **echo, message_detail="Harga melebihi max_price")
    txn = Txn(ref_id, "prepaid", sku, customer_no, price, plan_for(customer_no), df.now(),
              callback_url=df.callback_url(body.get("cb_url")))  # fmt: skip
    txn.final_sn = _serial(df, product, txn)
    df.ledger.start(txn)
    df.schedule_settlement(txn)
    return JSONResponse({"data": txn.body()})


def _prepaid_refusal(df: DigiflazzState, product: Product | None, customer_no: str) -> str | None:
    if product is None or not product.buyer_active:
        return "43"
    if not product.seller_active:
        return "55"
    if _in_cut_off(df, product):
        return "58"
    if product.category == "PLN":
        return None if meter(df.seed, customer_no) else "54"
    number = local_number(customer_no)
    if not number.isdigit() or not 10 <= len(number) <= 13 or not number.startswith("08"):
        return "54"
    if product.category in ("Pulsa", "Data") and operator_of(number) != product.brand:
        return "52"
    return None


def _in_cut_off(df: DigiflazzState, product: Product) -> bool:
    def minutes(text: str) -> int:
        hours, _, mins = text.partition(":")
        return int(hours) * 60 + int(mins or 0)

    start, end = minutes(product.start_cut_off), minutes(product.end_cut_off)
    if start == end:
        return False
    now = df.local_now()
    current = now.hour * 60 + now.minute
    return start <= current <= end if start < end else current >= start or current <= end


def _serial(df: DigiflazzState, product: Product, txn: Txn) -> str:
    if product.category == "PLN":
        found = meter(df.seed, txn.customer_no)
        assert found is not None
        token = pln_token(df.seed, txn.ref_id)
        return f"{token}/{found.name}/{found.segment}/{found.power}/{kwh(found, product.nominal)}"
    # Operators' serials: a long reference number from the operator's switch.
    return hashlib.sha256(f"{df.seed}:sn:{txn.ref_id}".encode()).hexdigest()[:20].upper()


async def _pasca(
    request: Request, df: DigiflazzState, body: dict[str, Any], ref_id: str, command: str
) -> JSONResponse:
    if command == "status-pasca":
        txn = df.ledger.txns.get(ref_id)
        if txn is None or txn.kind != "pasca":
            return _gagal("50", ref_id=ref_id)
        return JSONResponse({"data": df.ledger.check(txn).body()})
    sku, customer_no = _text(body, "buyer_sku_code"), _text(body, "customer_no")
    echo = {"ref_id": ref_id, "customer_no": customer_no, "buyer_sku_code": sku}
    if command == "inq-pasca":
        return _inquire(request, df, ref_id, sku, customer_no, echo)
    inquiry = df.ledger.inquiries.get(ref_id)
    if inquiry is None or (inquiry.sku, inquiry.customer_no) != (sku, customer_no):
        return _gagal("50", **echo)
    known = df.ledger.txns.get(ref_id)
    if known is not None:  # paid (or paying) already: answer its status, never pay twice
        return JSONResponse({"data": df.ledger.check(known).body()})
    txn = Txn(ref_id, "pasca", sku, customer_no, inquiry.price, plan_for(customer_no), df.now(),
              callback_url=df.callback_url(body.get("cb_url")), extra=dict(inquiry.body))  # fmt: skip
    txn.final_sn = hashlib.sha256(f"{df.seed}:pasca:{ref_id}".encode()).hexdigest()[:16].upper()
    df.ledger.start(txn)
    df.schedule_settlement(txn)
    return JSONResponse({"data": txn.body()})


def _inquire(request: Request, df: DigiflazzState, ref_id: str, sku: str, customer_no: str,
             echo: dict[str, Any]) -> JSONResponse:  # fmt: skip
    if ref_id in df.ledger.inquiries or ref_id in df.ledger.txns:
        raise DigiflazzError("49", ref_id=ref_id)
    biller = POSTPAID_BY_SKU.get(sku)
    if biller is None:
        return _gagal("43", **echo)
    low, high = biller.number_length
    if not customer_no.isdigit() or not low <= len(customer_no) <= high:
        return _gagal("54", **echo)
    if _sandbox(request).knobs.hold_fails(SUPPLIER):
        return _gagal("55", **echo)
    found = bill(df.seed, biller, customer_no, df.local_now().date())
    if found is None:
        return _gagal("60", **echo)
    sheets = len(found.periods)
    admin = biller.admin * sheets
    selling = found.bill_total + admin
    details = {
        "customer_name": found.name,
        "admin": admin,
        "selling_price": selling,
        "desc": {
            **found.extra,
            "lembar_tagihan": sheets,
            "detail": [{"periode": p.period, "nilai_tagihan": str(p.amount), "admin": str(biller.admin),
                        "denda": str(p.penalty)} for p in found.periods],
        },
    }  # fmt: skip
    price = selling - biller.commission * sheets
    df.ledger.inquiries[ref_id] = Inquiry(ref_id, sku, customer_no, price, details)
    answer = {"message": MESSAGES["00"], "status": "Sukses", "rc": "00", "sn": ""}
    return JSONResponse(
        {"data": {**echo, **details, **answer, "buyer_last_saldo": df.ledger.deposit, "price": price}}
    )


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(digiflazz_admin.router)

    async def on_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DigiflazzError)
        data = {**exc.echo, "message": MESSAGES.get(exc.rc, MESSAGES["40"]), "status": "Gagal", "rc": exc.rc}
        return JSONResponse({"data": data}, status_code=exc.status_code)

    async def on_disturbed(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, Disturbed)
        if exc.kind == "malformed":
            return Response(MALFORMED, status_code=200, media_type="application/json")
        return JSONResponse({"message": "Server Error"}, status_code=500)

    app.add_exception_handler(DigiflazzError, on_error)
    app.add_exception_handler(Disturbed, on_disturbed)
