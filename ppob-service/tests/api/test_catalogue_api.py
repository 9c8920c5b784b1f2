"""GET /ppob/products and POST /ppob/inquiries through the app, on a real database."""

from __future__ import annotations

import httpx

from tests.fakes import FakeAggregator


async def test_a_telkomsel_number_sees_only_telkomsel_credit_and_data(client: httpx.AsyncClient) -> None:
    r = await client.get("/ppob/products", params={"customer_no": "+62 812-3456-7890"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["operator"] == "Telkomsel"
    topups = [i for i in body["items"] if i["category"] in ("pulsa", "data")]
    assert {i["brand"] for i in topups} == {"TELKOMSEL"}
    assert [i["product_code"] for i in topups] == ["tsel10", "tsel50", "tseld3"]
    assert next(i for i in body["items"] if i["product_code"] == "tsel50") == {
        "product_code": "tsel50",
        "name": "Telkomsel 50.000",
        "category": "pulsa",
        "brand": "TELKOMSEL",
        "price": "50850.00",
        "currency": "IDR",
        "type": "prepaid",
        "description": "Telkomsel 50.000",
    }
    assert "tsel150" not in {i["product_code"] for i in body["items"]}  # switched off


async def test_categories_hide_inactive_and_cut_off_products(client: httpx.AsyncClient) -> None:
    pulsa = (await client.get("/ppob/products", params={"category": "pulsa"})).json()["items"]
    codes = {i["product_code"] for i in pulsa}
    assert codes == {"tsel10", "tsel50", "xld10", "isat25"}
    postpaid = (await client.get("/ppob/products", params={"category": "postpaid"})).json()["items"]
    assert [(i["product_code"], i["price"], i["type"]) for i in postpaid] == [
        ("bpjs", "2500.00", "postpaid"),
        ("pln", "2500.00", "postpaid"),
    ]


async def test_the_price_list_is_fetched_once_and_cached(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    for _ in range(3):
        assert (await client.get("/ppob/products", params={"category": "pulsa"})).status_code == 200
    assert aggregator.price_list_calls == 1


async def test_bad_numbers_are_422_with_a_reason(client: httpx.AsyncClient) -> None:
    unknown_prefix = await client.get("/ppob/products", params={"customer_no": "081012345678"})
    assert unknown_prefix.status_code == 422
    assert unknown_prefix.json()["type"].endswith("/wrong-operator")
    assert "0810" in unknown_prefix.json()["detail"]
    bad = await client.get("/ppob/products", params={"category": "pulsa", "customer_no": "12345"})
    assert bad.json()["type"].endswith("/invalid-customer-number")
    wrong_category = await client.get("/ppob/products", params={"category": "voucher"})
    assert (wrong_category.status_code, wrong_category.json()["type"].rsplit("/", 1)[-1]) == (
        422,
        "validation-error",
    )


async def test_inquiry_for_a_top_up_validates_number_and_operator(client: httpx.AsyncClient) -> None:
    ok = await client.post(
        "/ppob/inquiries", json={"product_code": "tsel50", "customer_no": "0812 3456 7890"}
    )
    assert ok.status_code == 201, ok.text
    offer = ok.json()
    assert offer["customer_no"] == "081234567890"
    assert offer["total"] == "50850.00"
    assert offer["items"] == [
        {"description": "Telkomsel 50.000 for 081234567890", "quantity": 1, "unit_price": "50850.00"}
    ]
    assert offer["expires_at"].endswith("Z")
    wrong = await client.post(
        "/ppob/inquiries", json={"product_code": "tsel50", "customer_no": "087812345678"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("/wrong-operator")
    gone = await client.post(
        "/ppob/inquiries", json={"product_code": "tsel150", "customer_no": "081234567890"}
    )
    assert gone.json()["type"].endswith("/unknown-product")


async def test_pln_inquiry_shows_the_owner_and_power(client: httpx.AsyncClient) -> None:
    r = await client.post("/ppob/inquiries", json={"product_code": "pln100", "customer_no": "14234567890"})
    assert r.status_code == 201, r.text
    assert r.json()["details"]["customer_name"] == "BUDI SANTOSO"
    assert r.json()["details"]["segment_power"] == "R1/1300 VA"
    unknown = await client.post(
        "/ppob/inquiries", json={"product_code": "pln100", "customer_no": "94234567890"}
    )
    assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[-1]) == (422, "unknown-meter")
    short = await client.post("/ppob/inquiries", json={"product_code": "pln100", "customer_no": "1423"})
    assert short.json()["type"].endswith("/invalid-customer-number")


async def test_a_bill_inquiry_lists_months_penalty_and_admin_fee(client: httpx.AsyncClient) -> None:
    r = await client.post("/ppob/inquiries", json={"product_code": "pln", "customer_no": "530000000016"})
    assert r.status_code == 201, r.text
    offer = r.json()
    assert [(i["description"], i["unit_price"]) for i in offer["items"]] == [
        ("PLN Pascabayar 530000000016 bill 10/2026", "198000.00"),
        ("Late penalty (denda) 10/2026", "5000.00"),
        ("PLN Pascabayar 530000000016 bill 11/2026", "215500.00"),
        ("Admin fee (2 bills)", "5000.00"),
    ]
    assert offer["total"] == "423500.00"
    assert offer["details"]["customer_name"] == "SITI RAHAYU"
    none = await client.post("/ppob/inquiries", json={"product_code": "bpjs", "customer_no": "0001234567891"})
    assert (none.status_code, none.json()["type"].rsplit("/", 1)[-1]) == (422, "no-bill")


async def test_an_aggregator_outage_with_no_price_list_yet_is_503(
    client: httpx.AsyncClient, aggregator: FakeAggregator
) -> None:
    aggregator.down = True
    r = await client.get("/ppob/products")
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (503, "supplier-unavailable")
