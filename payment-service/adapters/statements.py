"""The SQL of the payments' unit of work (adapters/unit_of_work.py), on the tables of
adapters/tables.py: named parameters, turned into asyncpg's `$n` once (shared.db.Statement).
JSONB parameters are JSON text. The retention's statements name `'accepted'` as a literal, as
the partial indexes on notifications do, so that they use those indexes whatever the plan."""

from __future__ import annotations

from shared.db import Statement

_CHARGE_COLUMNS = """
    id, order_id, gateway, status, transaction_status, fraud_status, status_code, gross_amount,
    currency, payment_type, gateway_transaction_id, token, redirect_url, refunded_amount,
    settlement_time, expires_at, request, idempotency_key, created_at, updated_at"""

_CHARGE_BY_ORDER_ID = f"""
    SELECT {_CHARGE_COLUMNS}
    FROM charges
    WHERE order_id = :order_id"""  # noqa: S608 (column names only)
CHARGE = Statement(_CHARGE_BY_ORDER_ID)
CHARGE_LOCKED = Statement(_CHARGE_BY_ORDER_ID + "\n    FOR UPDATE")
# A key or an order_id already taken inserts nothing: the caller reads what took it.
ADD_CHARGE = Statement(
    f"""
    INSERT INTO charges ({_CHARGE_COLUMNS})
    VALUES (
        :id, :order_id, :gateway, :status, :transaction_status, :fraud_status, :status_code,
        :gross_amount, :currency, :payment_type, :gateway_transaction_id, :token, :redirect_url,
        :refunded_amount, :settlement_time, :expires_at, :request, :idempotency_key, :created_at,
        :updated_at
    )
    ON CONFLICT DO NOTHING"""  # noqa: S608 (column names only)
)
# The columns a saved charge may change (adapters.db.MUTABLE_COLUMNS).
SAVE_CHARGE = Statement(
    """
    UPDATE charges SET
        status = :status,
        transaction_status = :transaction_status,
        fraud_status = :fraud_status,
        status_code = :status_code,
        payment_type = :payment_type,
        gateway_transaction_id = :gateway_transaction_id,
        token = :token,
        redirect_url = :redirect_url,
        refunded_amount = :refunded_amount,
        settlement_time = :settlement_time,
        request = :request,
        updated_at = :updated_at
    WHERE id = :charge_id"""
)

# Every column but reduced_at: a notification arrives whole.
ADD_NOTIFICATION = Statement(
    """
    INSERT INTO notifications (
        id, gateway, order_id, transaction_status, verdict, detail, raw_body, body, received_at
    )
    VALUES (
        :id, :gateway, :order_id, :transaction_status, :verdict, :detail, :raw_body, :body,
        :received_at
    )"""
)
PURGE_REJECTED = Statement(
    """
    DELETE FROM notifications
    WHERE verdict <> 'accepted' AND received_at < :before"""
)
# SKIP LOCKED: another replica's round takes other rows.
TO_REDUCE = Statement(
    """
    SELECT id, gateway, raw_body, body
    FROM notifications
    WHERE verdict = 'accepted' AND reduced_at IS NULL AND received_at < :before
    ORDER BY received_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED"""
)
REDUCE = Statement(
    """
    UPDATE notifications SET raw_body = :raw_body, body = :body, reduced_at = :reduced_at
    WHERE id = :notification_id"""
)

REFUND = Statement(
    """
    SELECT refund_key, order_id, amount, reason, result, created_at
    FROM refunds
    WHERE refund_key = :refund_key"""
)
ADD_REFUND = Statement(
    """
    INSERT INTO refunds (refund_key, order_id, amount, reason, result, created_at)
    VALUES (:refund_key, :order_id, :amount, :reason, :result, :created_at)"""
)

# SKIP LOCKED: the relay (or another replica's purge) holding a row keeps it this round.
FORGET_INSTRUCTIONS = Statement(
    """
    UPDATE outbox SET payload = payload - 'payment_instructions'
    WHERE id IN (
        SELECT id FROM outbox
        WHERE delivered_at < :before AND payload ? 'payment_instructions'
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id"""
)
