"""The Digiflazz adapter against respx answers in Digiflazz's own shapes: signatures in the body,
`data` wrappers, status/rc mapping, price-list rows, PLN inquiry, bills, callbacks' HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from adapters.digiflazz import DigiflazzCallbacks, DigiflazzClient
from domain.errors import NoBillYet, SupplierRejected, SupplierTimeout, SupplierUnavailable, UnknownMeter
from domain.models import Category
from domain.ports import PriceListRateLimited

BASE = "https://api.digiflazz.com/v1"
USER, KEY = "tiketq", "prod-key-123"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - Digiflazz's scheme


@pytest.fixture
async def client() -> AsyncIterator[DigiflazzClient]:
    async with httpx.AsyncClient(base_url=BASE, timeout=2) as http:
        yield DigiflazzClient(
            http, username=USER, api_key=KEY, callback_url="https://api.tiketq.id/webhooks/digiflazz"
        )


def sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


@respx.mock
async def test_balance_signs_depo(client: DigiflazzClient) -> None:
    route = respx.post(f"{BASE}/cek-saldo").respond(200, json={"data": {"deposit": 3250000}})
    assert await client.balance() == Decimal("3250000.00")
    assert sent(route) == {"cmd": "deposit", "username": USER, "sign": md5(USER + KEY + "depo")}


@respx.mock
async def test_price_list_rows_become_entries_and_rc_83_is_rate_limited(client: DigiflazzClient) -> None:
    rows = [
        {
            "product_name": "Telkomsel 50.000",
            "category": "Pulsa",
            "brand": "TELKOMSEL",
            "type": "Umum",
            "seller_name": "X",
            "price": 49850,
            "buyer_sku_code": "tsel50",
            "buyer_product_status": True,
            "seller_product_status": True,
            "unlimited_stock": True,
            "stock": 0,
            "multi": True,
            "start_cut_off": "23:45",
            "end_cut_off": "0:15",
            "desc": "Pulsa",
        },
        {
            "product_name": "Mobile Legends 86",
            "category": "Games",
            "brand": "MOBILE LEGENDS",
            "type": "Umum",
            "seller_name": "X",
            "price": 20000,
            "buyer_sku_code": "ml86",
            "buyer_product_status": True,
            "seller_product_status": True,
            "start_cut_off": "0:0",
            "end_cut_off": "0:0",
            "desc": "-",
        },
        {
            "product_name": "Indosat 50 GB",
            "category": "Data",
            "brand": "INDOSAT",
            "type": "Umum",
            "seller_name": "X",
            "price": 119000,
            "buyer_sku_code": "isatd50",
            "buyer_product_status": True,
            "seller_product_status": False,
            "start_cut_off": "0:0",
            "end_cut_off": "0:0",
            "desc": "-",
        },
    ]
    route = respx.post(f"{BASE}/price-list").mock(
        side_effect=[
            httpx.Response(200, json={"data": rows}),
            httpx.Response(400, json={"data": {"rc": "83", "message": "limit", "status": "Gagal"}}),
        ]
    )
    entries = {e.sku: e for e in await client.price_list("prepaid")}
    assert sent(route) == {"cmd": "prepaid", "username": USER, "sign": md5(USER + KEY + "pricelist")}
    assert set(entries) == {"tsel50", "isatd50"}  # games are not sold here
    assert entries["tsel50"].category is Category.PULSA
    assert entries["tsel50"].cost == Decimal("49850.00")
    assert (entries["tsel50"].start_cut_off, entries["tsel50"].end_cut_off) == ("23:45", "0:15")
    assert entries["isatd50"].active is False
    with pytest.raises(PriceListRateLimited):
        await client.price_list("prepaid")


@respx.mock
async def test_a_top_up_sends_ref_id_max_price_and_cb_url_and_reads_the_status(
    client: DigiflazzClient,
) -> None:
    answers = [
        {
            "ref_id": "r1",
            "customer_no": "081234567890",
            "buyer_sku_code": "tsel50",
            "message": "Transaksi Sukses",
            "status": "Sukses",
            "rc": "00",
            "sn": "0412345678901234",
            "buyer_last_saldo": 950150,
            "price": 49850,
        },
        {
            "ref_id": "r1",
            "status": "Pending",
            "rc": "03",
            "sn": "",
            "price": 49850,
            "message": "Transaksi Pending",
        },
        {"ref_id": "r1", "status": "Pending", "rc": "99", "sn": "", "message": "DF Router Issue"},
        {"ref_id": "r1", "status": "Gagal", "rc": "02", "sn": "", "message": "Transaksi Gagal"},
    ]
    route = respx.post(f"{BASE}/transaction").mock(
        side_effect=[httpx.Response(200, json={"data": a}) for a in answers]
    )
    first = await client.top_up("r1", "tsel50", "081234567890", Decimal("49850.00"))
    body = sent(route)
    assert body == {
        "username": USER,
        "buyer_sku_code": "tsel50",
        "customer_no": "081234567890",
        "ref_id": "r1",
        "sign": md5(USER + KEY + "r1"),
        "max_price": 49850,
        "cb_url": "https://api.tiketq.id/webhooks/digiflazz",
    }
    assert (first.state, first.serial, first.cost) == ("success", "0412345678901234", Decimal("49850.00"))
    states = [(await client.top_up("r1", "tsel50", "081234567890", Decimal(1))).state for _ in range(3)]
    assert states == ["pending", "pending", "failed"]


@respx.mock
async def test_request_refusals_and_outages_are_supplier_errors(client: DigiflazzClient) -> None:
    respx.post(f"{BASE}/transaction").mock(
        side_effect=[
            httpx.Response(
                400, json={"data": {"rc": "41", "message": "Signature Anda salah", "status": "Gagal"}}
            ),
            httpx.Response(500, json={"message": "Server Error"}),
            httpx.Response(200, content=b'{"data": {"ref_id": "x", "status": "Suk<<<garbage'),
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("down"),
        ]
    )
    with pytest.raises(SupplierRejected):
        await client.top_up("r", "tsel50", "081234567890", Decimal(1))
    for expected in (SupplierUnavailable, SupplierUnavailable, SupplierTimeout, SupplierUnavailable):
        with pytest.raises(expected):
            await client.top_up("r", "tsel50", "081234567890", Decimal(1))


@respx.mock
async def test_pln_inquiry_names_the_owner_and_unknown_meters_are_refused(client: DigiflazzClient) -> None:
    route = respx.post(f"{BASE}/inquiry-pln").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "data": {
                        "message": "Transaksi Sukses",
                        "status": "Sukses",
                        "rc": "00",
                        "customer_no": "14234567890",
                        "meter_no": "14234567890",
                        "subscriber_id": "512345678901",
                        "name": "BUDI SANTOSO",
                        "segment_power": "R1 /000001300",
                    }
                },
            ),
            httpx.Response(
                200, json={"data": {"message": "Nomor Tujuan Salah", "status": "Gagal", "rc": "54"}}
            ),
        ]
    )
    pln = await client.inquire_pln("14234567890")
    assert sent(route)["sign"] == md5(USER + KEY + "14234567890")
    assert (pln.name, pln.segment, pln.power_va) == ("BUDI SANTOSO", "R1", 1300)
    with pytest.raises(UnknownMeter):
        await client.inquire_pln("94234567890")


@respx.mock
async def test_bill_inquiry_and_payment_share_the_ref_id(client: DigiflazzClient) -> None:
    bill = {
        "ref_id": "b1",
        "customer_no": "530000000016",
        "customer_name": "SITI RAHAYU",
        "buyer_sku_code": "pln",
        "admin": 5000,
        "message": "Transaksi Sukses",
        "status": "Sukses",
        "rc": "00",
        "sn": "",
        "buyer_last_saldo": 5000000,
        "price": 413500,
        "selling_price": 415500,
        "desc": {
            "tarif": "R1",
            "daya": 1300,
            "lembar_tagihan": 2,
            "detail": [
                {"periode": "202610", "nilai_tagihan": "198000", "admin": "2500", "denda": "5000"},
                {"periode": "202611", "nilai_tagihan": "207500", "admin": "2500", "denda": "0"},
            ],
        },
    }
    route = respx.post(f"{BASE}/transaction").mock(
        side_effect=[
            httpx.Response(200, json={"data": bill}),
            httpx.Response(200, json={"data": {**bill, "sn": "PLNREF1"}}),
            httpx.Response(
                200, json={"data": {"ref_id": "b2", "status": "Gagal", "rc": "60", "message": "x"}}
            ),
        ]
    )
    found = await client.inquire_bill("b1", "pln", "530000000016")
    assert sent(route)["commands"] == "inq-pasca"
    assert [p.penalty for p in found.periods] == [Decimal("5000.00"), Decimal("0.00")]
    assert (found.selling_price, found.cost, found.admin_total) == (
        Decimal("415500.00"),
        Decimal("413500.00"),
        Decimal("5000.00"),
    )
    assert found.extra == {"tarif": "R1", "daya": "1300"}
    paid = await client.pay_bill("b1", "pln", "530000000016")
    assert (sent(route)["commands"], sent(route)["ref_id"]) == ("pay-pasca", "b1")
    assert (paid.state, paid.serial) == ("success", "PLNREF1")
    with pytest.raises(NoBillYet):
        await client.inquire_bill("b2", "pln", "530000000011")


def test_callbacks_are_verified_on_the_raw_body() -> None:
    reader = DigiflazzCallbacks("secret")
    raw = b'{"data":{"trx_id":"DF1","ref_id":"r1","status":"Sukses","rc":"00","sn":"123","price":49850}}'
    good = "sha1=" + hmac.new(b"secret", raw, hashlib.sha1).hexdigest()
    assert reader.verify(raw, good)
    assert not reader.verify(raw + b" ", good)
    assert not reader.verify(raw, "sha1=" + "0" * 40)
    assert not reader.verify(raw, None)
    result = reader.parse(raw)
    assert (result.ref_id, result.state, result.serial, result.supplier_reference) == (
        "r1",
        "success",
        "123",
        "DF1",
    )
    with pytest.raises(ValueError, match="ref_id"):
        reader.parse(b'{"data": {}}')
