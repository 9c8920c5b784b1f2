"""The Snap payment page: what it shows, that it escapes, and pay / choose / deny / expire."""

from __future__ import annotations

import re

import pytest
from midtrans_page import rupiah
from test_midtrans_support import AUTH, create_snap, page_action, sandbox, snap_body, status

PAGE = "/midtrans/snap/v2/vtweb"


def test_rupiah_is_written_the_indonesian_way() -> None:
    assert rupiah(1500000) == "Rp1.500.000"
    assert rupiah(999) == "Rp999"


async def test_the_page_shows_merchant_order_amount_expiry_and_items() -> None:
    async with sandbox(merchant_id="G123456789") as client:
        created = await create_snap(client, "PAY-1", expiry={"unit": "minute", "duration": 30})
        page = await client.get(f"{PAGE}/{created['token']}")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    for text in ("G123456789", "PAY-1", "Rp1.500.000", "CGK-DPS GA 404", "Rp1.400.000", "Rp100.000", "WIB"):
        assert text in html
    for method in (
        "bank_transfer",
        "echannel",
        "gopay",
        "qris",
        "credit_card",
        "bca",
        "bni",
        "bri",
        "permata",
    ):
        assert f'value="{method}"' in html
    assert f'action="{PAGE}/{created["token"]}/pay"' in html
    assert f'formaction="{PAGE}/{created["token"]}/expire"' in html
    assert "<script" not in html
    assert "<link" not in html
    assert "src=" not in html


async def test_the_page_escapes_what_the_merchant_sent() -> None:
    body = snap_body("PAY-X", gross=10000)
    body["item_details"] = [{"id": "1", "name": '<script>alert("x")</script>', "price": 10000, "quantity": 1}]
    async with sandbox() as client:
        r = await client.post("/midtrans/snap/v1/transactions", json=body, headers=AUTH)
        page = await client.get(f"{PAGE}/{r.json()['token']}")
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text


async def test_an_unknown_token_is_a_404_page() -> None:
    async with sandbox() as client:
        page = await client.get(f"{PAGE}/not-a-token")
        action = await page_action(client, "not-a-token", "pay")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "not found" in page.text
    assert action.status_code == 404


async def test_paying_through_the_html_form_settles_and_shows_the_result() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        r = await client.post(
            f"{PAGE}/{created['token']}/pay", data={"payment_type": "bank_transfer", "bank": "bni"}
        )
        st = (await status(client, "PAY-1")).json()
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    assert "settlement" in r.text
    assert re.search(r"BNI virtual account <code>\d{16}</code>", r.text)
    assert st["transaction_status"] == "settlement"
    assert st["va_numbers"][0]["bank"] == "bni"


@pytest.mark.parametrize(
    ("fields", "payment_type"),
    [
        ({"payment_type": "gopay"}, "gopay"),
        ({"payment_type": "qris"}, "qris"),
        ({"payment_type": "bank_transfer", "bank": "permata"}, "bank_transfer"),
        ({}, "bank_transfer"),
    ],
)
async def test_pay_by_json_answers_json(fields: dict[str, str], payment_type: str) -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        r = await page_action(client, created["token"], "pay", **fields)
    assert r.status_code == 200
    assert r.json() == {
        "order_id": "PAY-1",
        "transaction_status": "settlement",
        "status_code": "200",
        "payment_type": payment_type,
    }


async def test_acting_on_a_finished_transaction_is_409() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        await page_action(client, created["token"], "pay", payment_type="gopay")
        again = [await page_action(client, created["token"], a) for a in ("pay", "deny", "expire", "choose")]
        html = await client.post(f"{PAGE}/{created['token']}/pay", data={"payment_type": "gopay"})
    assert [r.status_code for r in again] == [409] * 4
    assert again[0].json()["transaction_status"] == "settlement"
    assert html.status_code == 409
    assert "already settlement" in html.text


async def test_invalid_method_or_bank_is_422() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        method = await page_action(client, created["token"], "pay", payment_type="bitcoin")
        bank = await page_action(
            client, created["token"], "pay", payment_type="bank_transfer", bank="mandiri"
        )
        st = await status(client, "PAY-1")
    assert method.status_code == bank.status_code == 422
    assert st.status_code == 404  # nothing was chosen


async def test_choose_then_pay_later() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        chosen = await page_action(
            client, created["token"], "choose", payment_type="bank_transfer", bank="bca"
        )
        pending = (await status(client, "PAY-1")).json()
        page = await client.get(f"{PAGE}/{created['token']}")
        twice = await page_action(client, created["token"], "choose", payment_type="gopay")
        paid = await page_action(client, created["token"], "pay", payment_type="gopay")
        settled = (await status(client, "PAY-1")).json()
    assert chosen.json()["transaction_status"] == "pending"
    assert chosen.json()["status_code"] == "201"
    assert pending["status_code"] == "201"
    assert "expiry_time" in pending
    assert "Let it expire" in page.text
    assert 'name="payment_type"' not in page.text
    assert twice.status_code == 409
    assert paid.json()["payment_type"] == "bank_transfer"  # the method chosen earlier
    assert settled["transaction_status"] == "settlement"
    assert settled["va_numbers"] == pending["va_numbers"]


async def test_mandiri_bill_payment_gives_a_bill_key_under_midtrans_biller_code() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        chosen = await page_action(client, created["token"], "choose", payment_type="echannel")
        pending = (await status(client, "PAY-1")).json()
        page = await client.get(f"{PAGE}/{created['token']}")
    assert chosen.json()["payment_type"] == "echannel"
    assert pending["transaction_status"] == "pending"
    assert pending["biller_code"] == "70012"
    assert re.fullmatch(r"\d{12}", pending["bill_key"])
    assert "va_numbers" not in pending
    assert f"bill key <code>{pending['bill_key']}</code>" in page.text


async def test_deny_is_a_refused_card() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        r = await page_action(client, created["token"], "deny")
        st = (await status(client, "PAY-1")).json()
    assert r.json()["transaction_status"] == "deny"
    assert r.json()["status_code"] == "202"
    assert st["payment_type"] == "credit_card"
    assert st["fraud_status"] == "deny"


async def test_expire_from_the_page_is_407_and_closes_the_link() -> None:
    async with sandbox() as client:
        created = await create_snap(client)
        r = await page_action(client, created["token"], "expire", payment_type="qris")
        st = (await status(client, "PAY-1")).json()
        page = await client.get(f"{PAGE}/{created['token']}")
    assert r.json()["transaction_status"] == "expire"
    assert st["status_code"] == "407"
    assert st["payment_type"] == "qris"
    assert "expire" in page.text
    assert "<form" not in page.text


async def test_finish_callback_link_carries_the_result() -> None:
    async with sandbox() as client:
        created = await create_snap(client, callbacks={"finish": "https://tiketq.test/done?x=1"})
        r = await client.post(f"{PAGE}/{created['token']}/pay", data={"payment_type": "gopay"})
    assert (
        'href="https://tiketq.test/done?x=1&amp;order_id=PAY-1&amp;status_code=200&amp;'
        'transaction_status=settlement"' in r.text
    )
