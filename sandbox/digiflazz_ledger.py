"""The aggregator's books: the agent's deposit, every transaction by `ref_id`, postpaid inquiries,
the price-list rate limit, and the outcome each customer number gets.

Outcomes follow the last digit of the customer number, as Digiflazz's own test numbers do:
0 → Sukses at once; 2 → Gagal; 3 → Pending, then Sukses by callback; 4 → Pending, then Gagal by
callback; 5 → Pending until a status check (no callback); any other digit → Sukses at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["Sukses", "Pending", "Gagal"]
Plan = Literal["success", "fail", "callback-success", "callback-fail", "poll-success"]

PLANS: dict[str, Plan] = {"2": "fail", "3": "callback-success", "4": "callback-fail", "5": "poll-success"}

# Digiflazz's own messages, by rc.
MESSAGES = {
    "00": "Transaksi Sukses",
    "01": "Timeout",
    "02": "Transaksi Gagal",
    "03": "Transaksi Pending",
    "40": "Payload Error",
    "41": "Signature Anda salah",
    "43": "SKU tidak di temukan atau Non-Aktif",
    "44": "Saldo tidak cukup",
    "49": "Ref ID tidak unik",
    "50": "Transaksi Tidak Ditemukan",
    "52": "Prefix Tidak Sesuai Operator",
    "54": "Nomor Tujuan Salah",
    "55": "Produk Sedang Gangguan",
    "58": "Sedang Cut Off",
    "60": "Tagihan belum tersedia",
    "83": "Anda sudah melakukan pengecekan pricelist, silahkan coba kembali dalam 5 menit",
}


def plan_for(customer_no: str) -> Plan:
    return PLANS.get(customer_no[-1:], "success")


@dataclass
class Txn:
    """One prepaid top-up or postpaid payment."""

    ref_id: str
    kind: Literal["prepaid", "pasca"]
    sku: str
    customer_no: str
    price: int
    plan: Plan
    created_at: datetime
    status: Status = "Pending"
    rc: str = "03"
    sn: str = ""
    final_sn: str = ""  # the serial the transaction gets when it succeeds
    buyer_last_saldo: int = 0
    callback_url: str | None = None
    trx_id: str = field(default_factory=lambda: f"DF{secrets.token_hex(6).upper()}")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES.get(self.rc, "Transaksi Gagal")

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ref_id": self.ref_id,
            "customer_no": self.customer_no,
            "buyer_sku_code": self.sku,
            "message": self.message,
            "status": self.status,
            "rc": self.rc,
            "sn": self.sn,
            "buyer_last_saldo": self.buyer_last_saldo,
            "price": self.price,
            "tele": "@tiketqsandbox",
            "wa": "6281100000000",
        }
        return {**data, **self.extra}

    def callback_body(self) -> dict[str, Any]:
        return {"trx_id": self.trx_id, **self.body()}


@dataclass
class Inquiry:
    """A postpaid inquiry: the bill the later pay-pasca with the same ref_id pays."""

    ref_id: str
    sku: str
    customer_no: str
    price: int
    body: dict[str, Any]


class Ledger:
    """The agent's deposit and transactions; money moves only here."""

    def __init__(self, deposit: int) -> None:
        self.deposit = deposit
        self.txns: dict[str, Txn] = {}
        self.inquiries: dict[str, Inquiry] = {}
        self.price_list_asked: dict[str, datetime] = {}

    def charge(self, txn: Txn) -> bool:
        """Takes the price from the deposit; False (and nothing taken) when it is too low."""
        if self.deposit < txn.price:
            return False
        self.deposit -= txn.price
        txn.buyer_last_saldo = self.deposit
        return True

    def succeed(self, txn: Txn) -> None:
        txn.status, txn.rc, txn.sn = "Sukses", "00", txn.final_sn

    def fail(self, txn: Txn, rc: str = "02", *, refund: bool = True) -> None:
        """A failed purchase gives its price back to the deposit (a pending one was charged)."""
        if refund and txn.status == "Pending":
            self.deposit += txn.price
        txn.status, txn.rc, txn.sn = "Gagal", rc, ""
        txn.buyer_last_saldo = self.deposit

    def start(self, txn: Txn) -> None:
        """Runs a new, validated transaction to its first answer by its number's plan."""
        self.txns[txn.ref_id] = txn
        if txn.plan == "fail":
            txn.status, txn.rc = "Gagal", "02"  # refused before anything is charged
            txn.buyer_last_saldo = self.deposit
            return
        if not self.charge(txn):
            txn.status, txn.rc = "Gagal", "44"
            txn.buyer_last_saldo = self.deposit
            return
        if txn.plan == "success":
            self.succeed(txn)

    def check(self, txn: Txn) -> Txn:
        """A status check: a transaction that waits for one (plan poll-success) finishes now."""
        if txn.status == "Pending" and txn.plan == "poll-success":
            self.succeed(txn)
        return txn

    def settle_by_callback(self, txn: Txn) -> bool:
        """The biller's late answer for a callback plan; False when there is nothing to settle."""
        if txn.status != "Pending":
            return False
        if txn.plan == "callback-success":
            self.succeed(txn)
            return True
        if txn.plan == "callback-fail":
            self.fail(txn)
            return True
        return False
