"""The Digiflazz stand-in: signatures, balance, the price list and its rate limit, outcomes by the
customer number's last digit, ref_id idempotency, PLN meters and tokens, postpaid inquiry and
payment, signed callbacks, knobs and reset."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
from conftest import make_settings
from test_midtrans_support import receiver

from app import create_app
from config import DigiflazzSettings
from testkit.asgi import running_app

USER, KEY, SECRET = "tiketqsandbox", "dev-sandbox-digiflazz-key", "digiflazz-sandbox-webhook-secret"
_APPS: dict[int, Any] = {}


def sign(suffix: str) -> str:
    return hashlib.md5((USER + KEY + suffix).encode()).hexdigest()  # noqa: S324 - Digiflazz's scheme


@asynccontextmanager
async def digiflazz(knobs: dict[str, Any] | None = None, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    config = replace(
        make_settings(),
        digiflazz=DigiflazzSettings(callback_delay_seconds=0.05, **settings),
        digiflazz_knobs=make_settings(knobs).amadeus_knobs,
    )
    app = create_app(config)
    async with running_app(app) as client:
        _APPS[id(client)] = app
        try:
            yield client
        finally:
            del _APPS[id(client)]


async def idle(client: httpx.AsyncClient) -> None:
    """Waits until every pending timer has fired and every callback was delivered."""
    await _APPS[id(client)].state.sandbox.digiflazz.callbacks.idle()


async def buy(
    client: httpx.AsyncClient, sku: str, customer_no: str, ref_id: str, **extra: Any
) -> httpx.Response:
    body = {"username": USER, "buyer_sku_code": sku, "customer_no": customer_no, "ref_id": ref_id,
            "sign": sign(ref_id), **extra}  # fmt: skip
    return await client.post("/digiflazz/v1/transaction", json=body)


async def pasca(
    client: httpx.AsyncClient, command: str, sku: str, customer_no: str, ref_id: str
) -> httpx.Response:
    body = {"commands": command, "username": USER, "buyer_sku_code": sku, "customer_no": customer_no,
            "ref_id": ref_id, "sign": sign(ref_id)}  # fmt: skip
    return await client.post("/digiflazz/v1/transaction", json=body)


async def deposit(client: httpx.AsyncClient) -> int:
    r = await client.post(
        "/digiflazz/v1/cek-saldo", json={"cmd": "deposit", "username": USER, "sign": sign("depo")}
    )
    assert r.status_code == 200, r.text
    value: int = r.json()["data"]["deposit"]
    return value


async def test_balance_needs_the_md5_signature() -> None:
    async with digiflazz(deposit=750_000) as client:
        assert await deposit(client) == 750_000
        bad = await client.post(
            "/digiflazz/v1/cek-saldo", json={"cmd": "deposit", "username": USER, "sign": "x"}
        )
        missing = await client.post("/digiflazz/v1/cek-saldo", json={"cmd": "deposit"})
    assert (bad.status_code, bad.json()["data"]["rc"]) == (400, "41")
    assert (missing.status_code, missing.json()["data"]["rc"]) == (400, "40")


async def test_price_list_rows_and_the_five_minute_limit() -> None:
    async with digiflazz() as client:
        body = {"cmd": "prepaid", "username": USER, "sign": sign("pricelist")}
        first = await client.post("/digiflazz/v1/price-list", json=body)
        again = await client.post("/digiflazz/v1/price-list", json=body)
        pasca_list = await client.post("/digiflazz/v1/price-list", json={**body, "cmd": "pasca"})
        await client.post("/sandbox/reset")
        after_reset = await client.post("/digiflazz/v1/price-list", json=body)
    rows = {r["buyer_sku_code"]: r for r in first.json()["data"]}
    assert rows["tsel50"] == {
        "product_name": "Telkomsel 50.000", "category": "Pulsa", "brand": "TELKOMSEL", "type": "Umum",
        "seller_name": "TIKETQ SANDBOX", "price": 49850, "buyer_sku_code": "tsel50",
        "buyer_product_status": True, "seller_product_status": True, "unlimited_stock": True, "stock": 0,
        "multi": True, "start_cut_off": "0:0", "end_cut_off": "0:0", "desc": "Pulsa Telkomsel Rp 50.000",
    }  # fmt: skip
    assert {r["brand"] for r in rows.values() if r["category"] == "Data"} == {
        "TELKOMSEL", "INDOSAT", "XL", "AXIS", "TRI", "SMARTFREN"
    }  # fmt: skip
    assert {"pln20", "pln1000", "gopay50", "ovo20", "dana100", "shopee50"} <= rows.keys()
    assert rows["tsel150"]["buyer_product_status"] is False
    assert rows["isatd50"]["seller_product_status"] is False
    assert (again.status_code, again.json()["data"]["rc"]) == (400, "83")
    assert {r["buyer_sku_code"]: r["admin"] for r in pasca_list.json()["data"]} == {
        "pln": 2500, "bpjs": 2500, "pdam": 2500, "telkom": 2500
    }  # fmt: skip
    assert after_reset.status_code == 200


async def test_a_number_ending_in_zero_succeeds_at_once_and_charges_the_deposit() -> None:
    async with digiflazz(deposit=100_000) as client:
        r = await buy(client, "tsel50", "081234567890", "ref-ok")
        left = await deposit(client)
    data = r.json()["data"]
    assert r.status_code == 200
    assert (data["status"], data["rc"], data["price"], data["buyer_last_saldo"]) == (
        "Sukses",
        "00",
        49850,
        50150,
    )
    assert len(data["sn"]) == 20
    assert left == 50150


async def test_resending_a_ref_id_is_a_status_check_and_never_buys_twice() -> None:
    async with digiflazz(deposit=100_000) as client:
        first = await buy(client, "tsel10", "081234567890", "ref-1")
        again = await buy(client, "tsel10", "081234567890", "ref-1")
        other = await buy(client, "tsel20", "081234567890", "ref-1")
        left = await deposit(client)
    assert again.json()["data"] == first.json()["data"]
    assert left == 100_000 - 10440
    assert (other.status_code, other.json()["data"]["rc"]) == (400, "49")


async def test_a_number_ending_in_two_fails_without_charging() -> None:
    async with digiflazz(deposit=100_000) as client:
        r = await buy(client, "xld10", "087800001232", "ref-fail")
        left = await deposit(client)
    assert (r.json()["data"]["status"], r.json()["data"]["rc"], r.json()["data"]["sn"]) == ("Gagal", "02", "")
    assert left == 100_000


async def test_pending_then_success_and_failure_by_signed_callback() -> None:
    async with receiver() as rx, digiflazz(deposit=100_000) as client:
        ok = await buy(client, "xld10", "087800001233", "ref-3", cb_url=rx.url)
        ko = await buy(client, "xld10", "087800001234", "ref-4", cb_url=rx.url)
        await idle(client)
        left = await deposit(client)
        log = (await client.get("/sandbox/digiflazz/callbacks")).json()["items"]
    assert [ok.json()["data"]["status"], ko.json()["data"]["status"]] == ["Pending", "Pending"]
    assert ok.json()["data"]["rc"] == "03"
    by_ref = {r["body"]["data"]["ref_id"]: r for r in rx.received}
    assert by_ref["ref-3"]["body"]["data"]["status"] == "Sukses"
    assert len(by_ref["ref-3"]["body"]["data"]["sn"]) == 20
    assert (by_ref["ref-4"]["body"]["data"]["status"], by_ref["ref-4"]["body"]["data"]["rc"]) == (
        "Gagal",
        "02",
    )
    for delivered in rx.received:
        headers = delivered["headers"]
        raw = json.dumps(delivered["body"], separators=(",", ":")).encode()
        expected = "sha1=" + hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
        assert headers["x-hub-signature"] == expected
        assert headers["x-digiflazz-event"] == "update"
        assert len(headers["x-digiflazz-delivery"]) == 36
        assert headers["user-agent"].startswith("DigiFlazz-Hookshot/")
        assert delivered["body"]["data"]["trx_id"].startswith("DF")
    assert left == 100_000 - 10850  # the failed one was refunded
    assert {e["ref_id"] for e in log} == {"ref-3", "ref-4"}


async def test_a_number_ending_in_five_stays_pending_until_a_status_check() -> None:
    async with receiver() as rx, digiflazz() as client:
        first = await buy(client, "isat25", "085612345675", "ref-5", cb_url=rx.url)
        await idle(client)
        check = await buy(client, "isat25", "085612345675", "ref-5", cb_url=rx.url)
    assert first.json()["data"]["status"] == "Pending"
    assert check.json()["data"]["status"] == "Sukses"
    assert rx.received == []


async def test_resend_delivers_the_same_callback_many_times() -> None:
    async with receiver() as rx, digiflazz() as client:
        await buy(client, "tri10", "089512345673", "ref-dup", cb_url=rx.url)
        await idle(client)
        r = await client.post("/sandbox/digiflazz/callbacks/ref-dup/resend", json={"copies": 5})
        await idle(client)
        unknown = await client.post("/sandbox/digiflazz/callbacks/nope/resend", json={})
    assert r.status_code == 200
    assert len(rx.received) == 6
    assert len({d["body"]["data"]["trx_id"] for d in rx.received}) == 1
    assert unknown.status_code == 404


async def test_numbers_are_checked_against_the_product() -> None:
    async with digiflazz() as client:
        prefix = await buy(client, "tsel10", "087812345670", "r1")
        short = await buy(client, "tsel10", "0812", "r2")
        unknown = await buy(client, "nope10", "081234567890", "r3")
        inactive = await buy(client, "tsel150", "081234567890", "r4")
        disrupted = await buy(client, "isatd50", "085612345670", "r5")
        cut_off = await buy(client, "xld200", "087812345670", "r6")
        e164 = await buy(client, "tsel10", "+6281234567890", "r7")
    rcs = [r.json()["data"]["rc"] for r in (prefix, short, unknown, inactive, disrupted, cut_off, e164)]
    assert rcs == ["52", "54", "43", "43", "55", "58", "00"]


async def test_pln_inquiry_names_the_meter_owner_and_the_token_comes_in_sn() -> None:
    async with digiflazz() as client:
        inq = await client.post(
            "/digiflazz/v1/inquiry-pln",
            json={"username": USER, "customer_no": "14234567890", "sign": sign("14234567890")},
        )
        unknown = await client.post(
            "/digiflazz/v1/inquiry-pln",
            json={"username": USER, "customer_no": "94234567890", "sign": sign("94234567890")},
        )
        bought = await buy(client, "pln100", "14234567890", "ref-pln")
    data = inq.json()["data"]
    assert (data["status"], data["rc"], data["meter_no"]) == ("Sukses", "00", "14234567890")
    assert data["name"]
    assert data["segment_power"].startswith("R")
    assert (unknown.json()["data"]["status"], unknown.json()["data"]["rc"]) == ("Gagal", "54")
    token, name, segment, power, kwh = bought.json()["data"]["sn"].split("/")
    assert len(token) == 20
    assert token.isdigit()
    assert name == data["name"]
    assert data["segment_power"] == f"{segment} /{int(power):09d}"
    assert float(kwh) > 0


async def test_postpaid_inquiry_then_payment_with_the_same_ref_id() -> None:
    async with receiver() as rx, digiflazz(deposit=5_000_000) as client:
        inq = await pasca(client, "inq-pasca", "pln", "530000000016", "bill-1")
        paid = await pasca(client, "pay-pasca", "pln", "530000000016", "bill-1")
        twice = await pasca(client, "pay-pasca", "pln", "530000000016", "bill-1")
        status = await pasca(client, "status-pasca", "pln", "530000000016", "bill-1")
        no_bill = await pasca(client, "inq-pasca", "bpjs", "0001234567891", "bill-2")
        never_asked = await pasca(client, "pay-pasca", "pln", "530000000010", "bill-3")
        reused = await pasca(client, "inq-pasca", "pln", "530000000016", "bill-1")
        left = await deposit(client)
    data = inq.json()["data"]
    periods = data["desc"]["detail"]
    assert data["desc"]["lembar_tagihan"] == 2
    assert len(periods) == 2
    assert [p["denda"] for p in periods] == ["5000", "0"]
    assert data["admin"] == 5000
    assert data["selling_price"] == sum(int(p["nilai_tagihan"]) + int(p["denda"]) for p in periods) + 5000
    assert data["price"] == data["selling_price"] - 2000
    assert (paid.json()["data"]["status"], twice.json()["data"]["status"]) == ("Sukses", "Sukses")
    assert paid.json()["data"]["customer_name"] == data["customer_name"]
    assert status.json()["data"]["sn"] == paid.json()["data"]["sn"]
    assert left == 5_000_000 - data["price"]
    assert no_bill.json()["data"]["rc"] == "60"
    assert never_asked.json()["data"]["rc"] == "50"
    assert (reused.status_code, reused.json()["data"]["rc"]) == (400, "49")
    assert rx.received == []


async def test_too_low_a_deposit_fails_with_rc_44() -> None:
    async with digiflazz(deposit=1_000) as client:
        r = await buy(client, "tsel50", "081234567890", "ref-poor")
        await client.put("/sandbox/digiflazz/deposit", json={"deposit": 60_000})
        topped = await buy(client, "tsel50", "081234567891", "ref-rich")
    assert (r.json()["data"]["status"], r.json()["data"]["rc"]) == ("Gagal", "44")
    assert topped.json()["data"]["status"] == "Sukses"


async def test_knobs_break_calls_and_change_prices() -> None:
    async with digiflazz() as client:
        await client.put("/sandbox/knobs/digiflazz", json={"error_rate": 1.0})
        broken = await deposit_raw(client)
        await client.put("/sandbox/knobs/digiflazz", json={"error_rate": 0.0, "malformed_rate": 1.0})
        garbled = await deposit_raw(client)
        await client.put("/sandbox/knobs/digiflazz", json={"malformed_rate": 0.0, "price_change_pct": 10})
        dearer = await buy(client, "tsel50", "081234567890", "ref-dear", max_price=49850)
        knobs = (await client.get("/sandbox/knobs")).json()
        await client.post("/sandbox/reset")
        after = (await client.get("/sandbox/knobs/digiflazz")).json()
    assert broken.status_code == 500
    assert garbled.status_code == 200
    assert garbled.content.startswith(b'{"data": {"ref_id"')
    assert (dearer.json()["data"]["status"], dearer.json()["data"]["rc"]) == ("Gagal", "02")
    assert knobs["digiflazz"]["price_change_pct"] == 10
    assert after["price_change_pct"] == 0


async def deposit_raw(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/digiflazz/v1/cek-saldo", json={"cmd": "deposit", "username": USER, "sign": sign("depo")}
    )
