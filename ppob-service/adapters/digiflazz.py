"""Digiflazz's buyer API (https://api.digiflazz.com/v1) over httpx: JSON POSTs with `username`
and `sign` = md5(username + key + "depo" | "pricelist" | ref_id | meter) in the body, answers
wrapped in `{"data": …}` with `status` Sukses | Pending | Gagal and an `rc`.

rc 00 → success; 03 and 99 (router issue) → pending; 01 (timeout) and 02 and the number and
product errors → failed; 40, 41, 45 (our request was refused) → SupplierRejected; 83 → the
price list was asked too soon. Transport trouble, 5xx, 401/429 and unreadable bodies →
SupplierUnavailable; timeouts → SupplierTimeout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from domain.errors import (
    InvalidCustomerNumber,
    NoBillYet,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
    UnknownMeter,
    UnknownProduct,
)
from domain.models import (
    Bill,
    BillPeriod,
    Category,
    PlnCustomer,
    PriceListEntry,
    PurchaseResult,
    PurchaseState,
)
from domain.ports import PriceListKind, PriceListRateLimited

logger = logging.getLogger("ppob.digiflazz")
NAME = "digiflazz"
CATEGORIES = {
    "pulsa": Category.PULSA,
    "data": Category.DATA,
    "pln": Category.PLN,
    "e-money": Category.E_MONEY,
}
PENDING_RCS = {"03", "99"}
REQUEST_REFUSED_RCS = {"40", "41", "42", "45", "47", "49"}
NUMBER_RCS = {"51", "52", "54", "57"}


def sign(username: str, key: str, suffix: str) -> str:
    return hashlib.md5((username + key + suffix).encode()).hexdigest()  # noqa: S324 - Digiflazz's scheme


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise SupplierUnavailable(f"{NAME}: not an amount: {value!r}") from None


class DigiflazzClient:
    name = NAME

    def __init__(
        self, http: httpx.AsyncClient, *, username: str, api_key: str, callback_url: str | None = None
    ):
        self._http = http
        self._username = username
        self._key = api_key
        self._callback_url = callback_url

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | list[Any]]:
        try:
            response = await self._http.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise SupplierTimeout(f"{NAME} did not answer in time.") from exc
        except httpx.HTTPError as exc:
            raise SupplierUnavailable(f"{NAME} is unreachable ({type(exc).__name__}).") from exc
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise SupplierUnavailable(f"{NAME} answered HTTP {response.status_code}.")
        try:
            parsed = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise SupplierUnavailable(f"{NAME} answered something that is not JSON.") from None
        data = parsed.get("data") if isinstance(parsed, dict) else None
        if not isinstance(data, dict | list):
            raise SupplierUnavailable(f"{NAME} answered without data (HTTP {response.status_code}).")
        if isinstance(data, dict):
            rc = str(data.get("rc", ""))
            if rc in REQUEST_REFUSED_RCS:
                raise SupplierRejected(
                    f"{NAME} refused the request: rc {rc} {data.get('message', '')}".strip()
                )
        return response.status_code, data

    async def balance(self) -> Decimal:
        _, data = await self._post(
            "/cek-saldo",
            {"cmd": "deposit", "username": self._username, "sign": sign(self._username, self._key, "depo")},
        )
        if not isinstance(data, dict) or "deposit" not in data:
            raise SupplierUnavailable(f"{NAME}: no deposit in the balance answer.")
        return _money(data["deposit"])

    async def price_list(self, kind: PriceListKind) -> list[PriceListEntry]:
        body = {"cmd": kind, "username": self._username, "sign": sign(self._username, self._key, "pricelist")}
        _, data = await self._post("/price-list", body)
        if isinstance(data, dict):
            if str(data.get("rc")) == "83":
                raise PriceListRateLimited(str(data.get("message", "")))
            raise SupplierUnavailable(f"{NAME}: price list refused: rc {data.get('rc')}.")
        entries = []
        for row in data:
            try:
                entries.append(self._entry(row, kind))
            except (KeyError, TypeError, ValueError, SupplierUnavailable):
                logger.warning("price list row skipped: %r", row)
        return [e for e in entries if e is not None]

    @staticmethod
    def _entry(row: dict[str, Any], kind: PriceListKind) -> PriceListEntry | None:
        active = bool(row["buyer_product_status"]) and bool(row["seller_product_status"])
        if kind == "pasca":
            return PriceListEntry(
                sku=str(row["buyer_sku_code"]),
                name=str(row["product_name"]),
                category=Category.POSTPAID,
                brand=str(row["brand"]),
                cost=Decimal("0.00"),
                active=active,
                description=str(row.get("desc") or ""),
                admin_fee=_money(row.get("admin", 0)),
            )
        category = CATEGORIES.get(str(row["category"]).strip().lower())
        if category is None:  # games, vouchers…: not sold by TiketQ
            return None
        return PriceListEntry(
            sku=str(row["buyer_sku_code"]),
            name=str(row["product_name"]),
            category=category,
            brand=str(row["brand"]).upper(),
            cost=_money(row["price"]),
            active=active,
            start_cut_off=str(row.get("start_cut_off") or "0:0"),
            end_cut_off=str(row.get("end_cut_off") or "0:0"),
            description=str(row.get("desc") or ""),
        )

    async def inquire_pln(self, customer_no: str) -> PlnCustomer:
        body = {
            "username": self._username,
            "customer_no": customer_no,
            "sign": sign(self._username, self._key, customer_no),
        }
        _, data = await self._post("/inquiry-pln", body)
        assert isinstance(data, dict)
        if data.get("status") != "Sukses":
            rc = str(data.get("rc", ""))
            if rc in NUMBER_RCS or rc == "50":
                raise UnknownMeter(f"PLN knows no meter or customer id {customer_no}.")
            raise _rejected(data)
        return PlnCustomer(
            customer_no=str(data.get("customer_no", customer_no)),
            meter_no=str(data.get("meter_no", "")),
            subscriber_id=str(data.get("subscriber_id", "")),
            name=str(data.get("name", "")).strip(),
            segment_power=str(data.get("segment_power", "")),
        )

    def _transaction(self, ref_id: str, sku: str, customer_no: str, **extra: Any) -> dict[str, Any]:
        body = {
            "username": self._username,
            "buyer_sku_code": sku,
            "customer_no": customer_no,
            "ref_id": ref_id,
            "sign": sign(self._username, self._key, ref_id),
            **extra,
        }
        if self._callback_url:
            body["cb_url"] = self._callback_url
        return body

    async def inquire_bill(self, ref_id: str, sku: str, customer_no: str) -> Bill:
        _, data = await self._post(
            "/transaction", self._transaction(ref_id, sku, customer_no, commands="inq-pasca")
        )
        assert isinstance(data, dict)
        rc = str(data.get("rc", ""))
        if data.get("status") != "Sukses":
            if rc == "60":
                raise NoBillYet(f"There is no bill for {customer_no} yet (or it is paid).")
            if rc in NUMBER_RCS:
                raise InvalidCustomerNumber(f"{customer_no} is not a customer number of this biller.")
            if rc == "43":
                raise UnknownProduct(f"{sku} is not sold now.")
            raise _rejected(data)
        try:
            desc = data.get("desc") or {}
            periods = tuple(
                BillPeriod(
                    str(d["periode"]),
                    _money(d["nilai_tagihan"]),
                    _money(d.get("denda", 0)),
                    _money(d.get("admin", 0)),
                )
                for d in desc.get("detail", [])
            )
            extra = {k: str(v) for k, v in desc.items() if k in ("tarif", "daya", "jumlah_peserta", "alamat")}
            return Bill(
                customer_no,
                str(data.get("customer_name", "")).strip(),
                periods,
                _money(data.get("admin", 0)),
                _money(data["selling_price"]),
                _money(data["price"]),
                extra,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise SupplierUnavailable(f"{NAME}: unreadable bill ({exc!r}).") from None

    async def top_up(self, ref_id: str, sku: str, customer_no: str, max_price: Decimal) -> PurchaseResult:
        body = self._transaction(ref_id, sku, customer_no, max_price=int(max_price))
        _, data = await self._post("/transaction", body)
        return purchase_result(data, ref_id)

    async def pay_bill(self, ref_id: str, sku: str, customer_no: str) -> PurchaseResult:
        _, data = await self._post(
            "/transaction", self._transaction(ref_id, sku, customer_no, commands="pay-pasca")
        )
        return purchase_result(data, ref_id)

    async def bill_status(self, ref_id: str, sku: str, customer_no: str) -> PurchaseResult:
        body = self._transaction(ref_id, sku, customer_no, commands="status-pasca")
        _, data = await self._post("/transaction", body)
        return purchase_result(data, ref_id)


def purchase_result(data: Any, ref_id: str) -> PurchaseResult:
    """A transaction answer or callback `data` as a PurchaseResult."""
    if not isinstance(data, dict):
        raise SupplierUnavailable(f"{NAME}: a transaction answer without data.")
    status, rc = str(data.get("status", "")), str(data.get("rc", ""))
    state: PurchaseState
    if status == "Sukses" and rc == "00":
        state = "success"
    elif status == "Pending" or rc in PENDING_RCS:
        state = "pending"
    elif status == "Gagal":
        state = "failed"
    else:
        raise SupplierUnavailable(f"{NAME}: unknown transaction status {status!r} rc {rc!r}.")
    price = data.get("price")
    return PurchaseResult(
        ref_id=str(data.get("ref_id") or ref_id),
        state=state,
        rc=rc,
        message=str(data.get("message", "")),
        serial=str(data.get("sn") or ""),
        cost=_money(price) if price is not None else None,
        supplier_reference=str(data["trx_id"]) if data.get("trx_id") else None,
    )


def _rejected(data: dict[str, Any]) -> SupplierRejected:
    return SupplierRejected(f"{NAME}: rc {data.get('rc')} {data.get('message', '')}".strip())


class DigiflazzCallbacks:
    """Callbacks: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body under the webhook secret>`."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def verify(self, raw: bytes, signature: str | None) -> bool:
        if not signature or not signature.startswith("sha1="):
            return False
        expected = hmac.new(self._secret, raw, hashlib.sha1).hexdigest()
        return hmac.compare_digest(signature.removeprefix("sha1=").strip().lower(), expected)

    def parse(self, raw: bytes) -> PurchaseResult:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("not JSON") from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("ref_id"), str):
            raise ValueError("no data.ref_id")
        try:
            return purchase_result(data, data["ref_id"])
        except SupplierUnavailable as exc:
            raise ValueError(str(exc)) from None
